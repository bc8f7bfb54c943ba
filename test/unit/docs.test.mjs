// The docs speak of this repository alone: every relative link resolves inside it, and nothing points at material a
// clone does not have. node --test test/unit/docs.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Files under `dir` (relative to the repository) that `accept` takes, dependencies and build output skipped. */
function filesUnder(dir, accept) {
  const out = [];
  for (const name of readdirSync(path.join(root, dir))) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...filesUnder(rel, accept));
    else if (accept(rel)) out.push(rel);
  }
  return out;
}

const markdownFiles = (dir) => filesUnder(dir, (rel) => rel.endsWith('.md'));

const files = ['README.md', 'CHANGELOG.md', ...markdownFiles('docs'), ...markdownFiles('bench'), ...markdownFiles('examples'), ...markdownFiles('local-ui')]
  .filter((f) => existsSync(path.join(root, f)));

test('every relative link in the docs resolves to a file of the repository', () => {
  assert.ok(files.length >= 8, `docs found: ${files.join(', ')}`);
  const broken = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const local = target.split('#')[0];
      const resolved = path.resolve(root, path.dirname(file), local);
      if (!resolved.startsWith(root) || !existsSync(resolved)) broken.push(`${file}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

const sourceFiles = (dir) => filesUnder(dir, (rel) => /\.(ts|mjs|cjs|js|ya?ml)$/.test(rel) && rel !== path.join('test', 'unit', 'docs.test.mjs'));

test('the docs and the comments cite nothing outside the repository', () => {
  const outside = [/\.\.\/shared\b/, /\/work\/shared/, /protocol doc/i, /performance-notes/, /style\.md/, /\bissue #?\d+\b/i];
  const found = [];
  const sources = ['agent', 'bench', 'scripts', 'test', 'hooks', 'local-ui', 'examples'].flatMap(sourceFiles);
  for (const file of [...files, ...sources, 'register.mjs', 'register.cjs']) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const pattern of outside) if (pattern.test(text)) found.push(`${file}: ${pattern}`);
  }
  assert.deepEqual(found, []);
});
