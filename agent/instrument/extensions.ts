/**
 * The rows the agent runs: the table, plus rows a preload registered before the agent under
 * `Symbol.for('tracekit.instrumentations')` (an array of definitions). That hook exists so that an
 * instrumentation can be tried out, and tested, as a row of its own without rebuilding the agent; the agent's own
 * integrations all live in table.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AnyInstrumentationDefinition } from './definition.js';
import { INSTRUMENTATIONS } from './table.js';

const kExtra = Symbol.for('tracekit.instrumentations');

export function allDefinitions(): readonly AnyInstrumentationDefinition[] {
  const extra = (globalThis as { [kExtra]?: unknown })[kExtra];
  if (!Array.isArray(extra)) return INSTRUMENTATIONS;
  const valid = extra.filter((row): row is AnyInstrumentationDefinition =>
    row != null && typeof row === 'object' && typeof row.name === 'string' && Array.isArray(row.modules) && typeof row.create === 'function');
  return [...INSTRUMENTATIONS, ...valid];
}

/**
 * Packages some row intercepts in ESM too: register.mjs registers the ESM loader hooks only when there are any.
 * A package that is not installed where the app runs (its working directory or its main script's, and their
 * parents) cannot be imported, so it does not count: an app without openai does not pay the hooks' start-up
 * price for the openai row.
 */
export function esmModuleNames(): string[] {
  const names = new Set<string>();
  const roots = appRoots();
  for (const row of allDefinitions()) {
    for (const target of row.modules) {
      if (target.esm === true && isInstalled(target.module, roots)) names.add(target.file === undefined ? target.module : `${target.module}/${target.file}`);
    }
  }
  return [...names];
}

function appRoots(): string[] {
  const roots = [process.cwd()];
  const main = process.argv[1];
  if (typeof main === 'string' && main !== '') roots.push(path.dirname(path.resolve(main)));
  return roots;
}

/** `node_modules/<name>/package.json` in one of `roots` or a parent of one: what Node's resolution would find. */
function isInstalled(name: string, roots: readonly string[]): boolean {
  for (const root of roots) {
    for (let dir = root; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'node_modules', name, 'package.json'))) return true;
      if (path.dirname(dir) === dir) break;
    }
  }
  return false;
}
