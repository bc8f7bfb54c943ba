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
 * A package the app cannot be using does not count, so that an app without openai does not pay the hooks'
 * start-up price for the openai row. The app is the nearest package.json above the working directory and above
 * the main script; it uses a package it declares (any dependency field) or that is installed in its own
 * node_modules. A workspace root's node_modules is not enough: it holds every workspace's packages.
 */
export function esmModuleNames(): string[] {
  const names = new Set<string>();
  const apps = appManifests();
  for (const row of allDefinitions()) {
    for (const target of row.modules) {
      if (target.esm === true && apps.some((app) => usesPackage(app, target.module))) {
        names.add(target.file === undefined ? target.module : `${target.module}/${target.file}`);
      }
    }
  }
  return [...names];
}

interface AppManifest {
  dir: string;
  manifest: Record<string, unknown>;
}

function appManifests(): AppManifest[] {
  const starts = [process.cwd()];
  const main = process.argv[1];
  if (typeof main === 'string' && main !== '') starts.push(path.dirname(path.resolve(main)));
  const found: AppManifest[] = [];
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const manifest = readManifest(path.join(dir, 'package.json'));
      if (manifest !== undefined) {
        if (!found.some((app) => app.dir === dir)) found.push({ dir, manifest });
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return found;
}

function readManifest(file: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (error) {
    // A package.json that cannot be parsed still marks the app's directory.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : {};
  }
}

function usesPackage({ dir, manifest }: AppManifest, name: string): boolean {
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = manifest[field];
    if (deps !== null && typeof deps === 'object' && Object.prototype.hasOwnProperty.call(deps, name)) return true;
  }
  return manifest.workspaces === undefined && fs.existsSync(path.join(dir, 'node_modules', name, 'package.json'));
}
