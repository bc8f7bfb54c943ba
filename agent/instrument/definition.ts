/**
 * The shape of one row of the instrumentation table (table.ts). A row is data: which library (module, file inside
 * it, version range) or which diagnostics channels it serves, whether it is on by default, and the functions that
 * patch the module or subscribe to the channels. The installer (installer.ts) reads the rows; an instrumentation
 * never registers hooks or subscribes on its own, so every piece of agent code that runs inside the app goes
 * through one guard (guard.ts).
 */
import type { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

/** What the installer knows about the module it hands to a patch. */
export interface LoadedModule {
  /** As required: `express`, `router`, `http`, or the file form `express/lib/router/layer`. */
  readonly name: string;
  /** The package version read from its package.json; undefined for Node builtins. */
  readonly version: string | undefined;
  /** The package's root directory (to require its other files); undefined for Node builtins. */
  readonly basedir: string | undefined;
  /** Whether the exports came through the ESM loader hooks (a module namespace) or through `require`. */
  readonly esm: boolean;
}

export interface ModuleTarget<S> {
  /** The package name, or a Node builtin (`http`). */
  readonly module: string;
  /** A file inside the package, as require-in-the-middle names it: no `.js`, no `/index` (`lib/router/layer`). */
  readonly file?: string;
  /** A semver range; a version outside it is skipped with one warning. Ignored for builtins. */
  readonly versions: string;
  /**
   * Also intercept ESM imports of this module through import-in-the-middle. Only for packages an app can load
   * without `require` (ESM-only packages): it makes the agent register the ESM loader hooks at start.
   */
  readonly esm?: boolean;
  /** Patches the module's exports and returns them (or a replacement). Runs inside the instrumentation's guard. */
  readonly patch: (exports: unknown, state: S, loaded: LoadedModule) => unknown;
}

export interface InstrumentationDefinition<S = unknown> {
  /** The name users list in TRACEKIT_DISABLED_INSTRUMENTATIONS and that every warning about it carries. */
  readonly name: string;
  /** Off-by-default rows are turned on with TRACEKIT_ENABLED_INSTRUMENTATIONS. */
  readonly enabledByDefault: boolean;
  /** Modules whose loading activates the instrumentation. Empty: it activates at start (builtins, channels). */
  readonly modules: readonly ModuleTarget<S>[];
  /**
   * Activate at start even though `modules` are listed: for builtins, whose ESM `import` no require hook sees,
   * so the instrumentation must be running to catch it some other way.
   */
  readonly eager?: boolean;
  /** Diagnostics channels it may subscribe to; the guard refuses any other (so the table tells the whole truth). */
  readonly channels?: readonly string[];
  /** Other names that also turn this row off (`https` for `http`). */
  readonly aliases?: readonly string[];
  /**
   * Builds the instrumentation's state the first time it activates (at start when `modules` is empty, else when
   * the first of its modules loads). Subscriptions made here go through `guard`.
   */
  readonly create: (runtime: AgentRuntime, guard: Guard) => S;
  /** Optional: undo what `create` set up outside the guard's own bookkeeping. */
  readonly disable?: (state: S) => void;
}

/** Identity helper that keeps `S` tied between `create` and the patches when rows are written inline. */
export function defineInstrumentation<S>(definition: InstrumentationDefinition<S>): InstrumentationDefinition<S> {
  return definition;
}

/** A row of any state type: the table and the installer do not look inside the state. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyInstrumentationDefinition = InstrumentationDefinition<any>;
