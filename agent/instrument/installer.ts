/**
 * Turns the instrumentation table into running instrumentations:
 *   - a row that is switched off (TRACEKIT_DISABLED_INSTRUMENTATIONS) costs nothing at all;
 *   - a row with modules only registers module hooks; its state is built the first time one of its modules
 *     loads, so a library the app never requires costs nothing beyond a name in the hook list;
 *   - a module whose version is outside the row's range is left alone, with one warning, since its spans would
 *     silently be missing otherwise;
 *   - every patch runs inside the row's guard (guard.ts), and a failure turns that row off, hooks included.
 */
import fs from 'node:fs';
import path from 'node:path';
import satisfies from 'semver/functions/satisfies.js';
import type { ModuleHooks } from '../module-hooks.js';
import { debug, describeError, warn, warnOnce } from '../log.js';
import type { AnyInstrumentationDefinition, InstrumentationDefinition, LoadedModule, ModuleTarget } from './definition.js';
import { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

interface Row {
  readonly definition: InstrumentationDefinition;
  readonly guard: Guard;
  created: boolean;
  state: unknown;
}

export interface InstalledInstrumentation {
  readonly name: string;
  /** `active`: running; `waiting`: its library has not been loaded yet; `failed`: turned off after an error. */
  readonly status: 'active' | 'waiting' | 'failed';
}

export class InstrumentationInstaller {
  private readonly rows: Row[] = [];
  private readonly versions = new Map<string, string | undefined>();

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly hooks: ModuleHooks,
  ) {}

  /** Registers every enabled row; nothing of a row runs until it activates. */
  install(definitions: readonly AnyInstrumentationDefinition[]): void {
    const { disabledInstrumentations: off, enabledInstrumentations: on } = this.runtime.config;
    for (const definition of definitions) {
      const names = [definition.name, ...(definition.aliases ?? [])];
      if (names.some((name) => off.has(name))) continue;
      if (!definition.enabledByDefault && !on.has(definition.name)) continue;
      const row: Row = {
        definition,
        guard: new Guard(definition.name, definition.channels ?? [], reportFailure),
        created: false,
        state: undefined,
      };
      this.rows.push(row);
      for (const target of definition.modules) this.hookTarget(row, target);
      if (definition.modules.length === 0 || definition.eager === true) this.activate(row);
    }
  }

  /** Turns every row off (agent shutdown). */
  stop(): void {
    for (const row of this.rows) {
      if (row.created) row.guard.run(() => row.definition.disable?.(row.state));
      row.guard.stop();
    }
  }

  get installed(): InstalledInstrumentation[] {
    return this.rows.map((row) => ({
      name: row.definition.name,
      status: !row.guard.active ? 'failed' : row.created ? 'active' : 'waiting',
    }));
  }

  private hookTarget(row: Row, target: ModuleTarget<unknown>): void {
    const name = target.file === undefined ? target.module : `${target.module}/${target.file}`;
    const onLoad = (exports: unknown, _name: string, basedir: string | undefined, esm: boolean) =>
      this.onLoad(row, target, name, exports, basedir, esm);
    row.guard.onStop(this.hooks.onRequire(name, onLoad));
    if (target.esm === true) row.guard.onStop(this.hooks.onImport(name, onLoad));
  }

  private onLoad(row: Row, target: ModuleTarget<unknown>, name: string, exports: unknown, basedir: string | undefined, esm: boolean): unknown {
    const guard = row.guard;
    if (!guard.active) return exports;
    const builtin = basedir === undefined;
    const version = builtin ? undefined : this.versionAt(basedir);
    if (version !== undefined && !satisfies(version, target.versions, { includePrerelease: true })) {
      // A row may serve several majors through different files (redis 4's internals, redis 5's channels): only
      // a version that no target of the row accepts for this package is worth a warning.
      if (row.definition.modules.some((other) => other.module === target.module &&
        satisfies(version, other.versions, { includePrerelease: true }))) return exports;
      warnOnce(`version:${row.definition.name}:${target.module}@${version}`,
        `${target.module} ${version} is outside the versions the ${row.definition.name} instrumentation supports ` +
        `(${target.versions}); it is not instrumented, so its spans will be missing`);
      return exports;
    }
    if (version === undefined && !builtin) debug(`${name}: no version found under ${basedir}; instrumenting it anyway`);
    if (!this.activate(row)) return exports;
    const loaded: LoadedModule = { name, version, basedir, esm };
    return guard.run(() => target.patch(exports, row.state, loaded), exports) ?? exports;
  }

  /** Builds the row's state once; false when that failed (the row is off then). */
  private activate(row: Row): boolean {
    if (row.created) return row.guard.active;
    row.created = true;
    row.state = row.guard.run(() => row.definition.create(this.runtime, row.guard));
    if (row.guard.active) debug(`instrumentation ${row.definition.name} active`);
    return row.guard.active;
  }

  private versionAt(basedir: string): string | undefined {
    if (this.versions.has(basedir)) return this.versions.get(basedir);
    let version: string | undefined;
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(basedir, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof parsed.version === 'string') version = parsed.version;
    } catch {
      version = undefined;
    }
    this.versions.set(basedir, version);
    return version;
  }
}

function reportFailure(name: string, error: unknown): void {
  warn(`the ${name} instrumentation failed and is now off (${describeError(error)}); the app is unaffected`);
}
