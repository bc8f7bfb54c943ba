/**
 * TRACEKIT_IGNORE_PATHS globs compiled once: `*` matches any run of characters (slashes included), `?`
 * exactly one. The matcher runs on every incoming request, so literal patterns go to a Set and all
 * wildcard patterns share a single RegExp.
 */

export type PathMatcher = (path: string) => boolean;

const NEVER: PathMatcher = () => false;

function globToRegExpSource(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return out;
}

/** Everything from the first `?` or `#` on is not part of the path. */
function stripQuery(path: string): string {
  const q = path.indexOf('?');
  const h = path.indexOf('#');
  const cut = q === -1 ? h : h === -1 ? q : Math.min(q, h);
  return cut === -1 ? path : path.slice(0, cut);
}

export function compileIgnorePaths(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 0) return NEVER;
  const exact = new Set<string>();
  const wild: string[] = [];
  for (const p of patterns) {
    if (p.includes('*') || p.includes('?')) wild.push(globToRegExpSource(p));
    else exact.add(p);
  }
  // `s`: without it `*` would stop at a (decoded) line break and such a path would slip past the pattern.
  const re = wild.length > 0 ? new RegExp(`^(?:${wild.join('|')})$`, 's') : undefined;
  if (re === undefined) return (path) => exact.has(stripQuery(path));
  if (exact.size === 0) return (path) => re.test(stripQuery(path));
  return (path) => {
    const p = stripQuery(path);
    return exact.has(p) || re.test(p);
  };
}
