/**
 * The rows the agent runs: the table, plus rows a preload registered before the agent under
 * `Symbol.for('tracekit.instrumentations')` (an array of definitions). That hook exists so that an
 * instrumentation can be tried out, and tested, as a row of its own without rebuilding the agent; the agent's own
 * integrations all live in table.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import satisfies from 'semver/functions/satisfies.js';
import type { AnyInstrumentationDefinition, ModuleTarget } from './definition.js';
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
 * What the ESM loader hooks must wrap, for the rows that intercept a package in ESM too: register.mjs registers
 * the hooks only when there is something. A package counts only when the app can be using it, so that an app
 * without openai does not pay the hooks' start-up price for the openai row. The app is the nearest package.json
 * above the working directory and above the main script; it uses a package it declares (any dependency field) or
 * that is installed in its own node_modules. A workspace root's node_modules is not enough: it holds every
 * workspace's packages. Nor does an installed version that a CommonJS target of the same row serves (NestJS 10
 * and 11 are CommonJS, only 12 needs the ESM hooks).
 *
 * A package is listed by name (its bare specifier). A file inside one is imported by a relative specifier from
 * the package's own modules, so it is matched by its URL instead: a regular expression on `…/name/file.js`.
 */
export function esmModuleNames(): (string | RegExp)[] {
  const names = new Map<string, string | RegExp>();
  const apps = appManifests();
  for (const row of allDefinitions()) {
    for (const target of row.modules) {
      if (target.esm !== true) continue;
      const uses = apps.filter((app) => usesPackage(app, target.module));
      if (uses.length === 0 || uses.every((app) => servedWithoutEsm(row, target, installedVersion(app, target.module)))) continue;
      const name = target.file === undefined ? target.module : `${target.module}/${target.file}`;
      names.set(name, target.file === undefined ? name : fileUrlPattern(target.module, target.file));
    }
  }
  return [...names.values()];
}

/**
 * True when the installed version is one another, CommonJS target of the row takes (NestJS 11 for a row whose
 * ESM target is for 12): require hooks serve it. A version no target takes still gets the ESM hooks, so that the
 * installer sees the import and warns that it is not instrumented.
 */
function servedWithoutEsm(row: AnyInstrumentationDefinition, target: ModuleTarget<unknown>, version: string | undefined): boolean {
  if (version === undefined || satisfies(version, target.versions, { includePrerelease: true })) return false;
  return row.modules.some((other) => other !== target && other.esm !== true && other.module === target.module &&
    satisfies(version, other.versions, { includePrerelease: true }));
}

/** `/node_modules/@nestjs/core/router/x.js` (or `.mjs`, or `x/index.js`) at the end of a module URL. */
function fileUrlPattern(module: string, file: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`/node_modules/${escape(module)}/${escape(file)}(?:/index)?\\.m?js$`);
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
      // A build folder's `{"type": "module"}` (dist/esm/package.json) only sets the module format: the app's
      // own package.json is further up.
      if (manifest !== undefined && !isFormatMarker(manifest)) {
        if (!found.some((app) => app.dir === dir)) found.push({ dir, manifest });
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return found;
}

function isFormatMarker(manifest: Record<string, unknown>): boolean {
  return Object.keys(manifest).every((key) => key === 'type' || key === 'sideEffects');
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

/** The version installed in the app's own node_modules, when it can be read there. */
function installedVersion({ dir }: AppManifest, name: string): string | undefined {
  const version = readManifest(path.join(dir, 'node_modules', name, 'package.json'))?.version;
  return typeof version === 'string' ? version : undefined;
}
