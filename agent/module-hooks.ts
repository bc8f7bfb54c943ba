/**
 * The module hooks the instrumentation table asks for: one require-in-the-middle hook for every module file any
 * row patches, and, only when a row needs it, one import-in-the-middle hook for ESM-only packages. Both are
 * installed once all rows have said what they need.
 *
 * Names may be a package (`router`) or a file inside one (`express/lib/router/layer`, as require-in-the-middle
 * names files: no `.js`, no `/index`). require-in-the-middle sees both CommonJS apps and the `require`s that
 * CommonJS packages make when an ESM app imports them, which is why most rows need no ESM hook at all. An ESM-only
 * package's files reach the import hook under the same names, so one row serves both builds.
 */
import { Hook } from 'require-in-the-middle';
import { nodeRequire } from './node-require.js';
import { debug } from './log.js';

/** `basedir` is the package's root directory (undefined for builtins); `esm` tells a module namespace. */
export type OnLoad = (exports: unknown, name: string, basedir: string | undefined, esm: boolean) => unknown;

interface Unhookable {
  unhook(): void;
}

type IitmHookConstructor = new (
  modules: string[],
  options: { internals?: boolean },
  hook: (exported: unknown, name: string, baseDir: string | void) => unknown,
) => Unhookable;

export class ModuleHooks {
  private readonly requireHandlers = new Map<string, OnLoad[]>();
  private readonly importHandlers = new Map<string, OnLoad[]>();
  private requireHook: Unhookable | undefined = undefined;
  private importHook: Unhookable | undefined = undefined;
  private importFileHook: Unhookable | undefined = undefined;

  constructor(private readonly onError: (name: string, error: unknown) => void) {}

  /** Calls `handler` when `name` is required; returns a function that removes it again. */
  onRequire(name: string, handler: OnLoad): () => void {
    return add(this.requireHandlers, name, handler);
  }

  /** Calls `handler` when an ESM `import` loads package `name` (through import-in-the-middle). */
  onImport(name: string, handler: OnLoad): () => void {
    return add(this.importHandlers, name, handler);
  }

  /** Every module a row hooks, for the debug summary and the loaded-too-early check. */
  get moduleNames(): string[] {
    return [...new Set([...this.requireHandlers.keys(), ...this.importHandlers.keys()])];
  }

  /** Packages that need the ESM loader hooks (register.mjs registers them before the app's imports). */
  get esmModuleNames(): string[] {
    return [...this.importHandlers.keys()];
  }

  install(): void {
    if (this.requireHook === undefined && this.requireHandlers.size > 0) {
      this.requireHook = new Hook([...this.requireHandlers.keys()], {}, <T>(exports: T, name: string, basedir?: string): T => {
        return this.dispatch(this.requireHandlers, exports, name, basedir, false) as T;
      });
    }
    if (this.importHook === undefined && this.importFileHook === undefined && this.importHandlers.size > 0) {
      // Loaded only here: import-in-the-middle exists once per process and costs start-up time (docs/architecture.md).
      const { Hook: ImportHook } = nodeRequire('import-in-the-middle') as { Hook: IitmHookConstructor };
      const names = [...this.importHandlers.keys()];
      const packages = names.filter((name) => name === packageOf(name));
      const filesOf = [...new Set(names.filter((name) => name !== packageOf(name)).map(packageOf))];
      const onImport = (exported: unknown, name: string, baseDir: string | void) => {
        this.dispatch(this.importHandlers, exported, name, baseDir || undefined, true);
        // import-in-the-middle assigns a returned value to `default`; the namespace was patched in place.
        return undefined;
      };
      if (packages.length > 0) this.importHook = new ImportHook(packages, {}, onImport);
      if (filesOf.length > 0) {
        // A file inside a package comes to an `internals` hook on its package, named with its extension
        // (`@nestjs/core/router/router-execution-context.js`): named here as require-in-the-middle names it.
        this.importFileHook = new ImportHook(filesOf, { internals: true }, (exported, name, baseDir) =>
          onImport(exported, requireStyleName(name), baseDir));
      }
    }
  }

  uninstall(): void {
    this.requireHook?.unhook();
    this.importHook?.unhook();
    this.importFileHook?.unhook();
    this.requireHook = undefined;
    this.importHook = undefined;
    this.importFileHook = undefined;
  }

  private dispatch(table: Map<string, OnLoad[]>, exports: unknown, name: string, basedir: string | undefined, esm: boolean): unknown {
    const key = name.replace(/\\/g, '/');
    const handlers = table.get(key);
    if (handlers === undefined || handlers.length === 0) return exports;
    let current = exports;
    for (const handler of [...handlers]) {
      try {
        current = handler(current, key, basedir, esm) ?? current;
      } catch (error) {
        this.onError(key, error);
      }
    }
    debug(`hooked ${key}${esm ? ' (ESM)' : ''}`);
    return current;
  }
}

/** `pkg/lib/x.js` or `pkg/lib/x/index.mjs` → `pkg/lib/x`, the way require-in-the-middle names a file. */
export function requireStyleName(name: string): string {
  return name.replace(/\\/g, '/').replace(/(?:\/index)?\.m?js$/, '');
}

/** The package a hooked name belongs to: `express/lib/router` → `express`, `@nestjs/core/router/x` → `@nestjs/core`. */
export function packageOf(name: string): string {
  const parts = name.split('/');
  return name.startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function add(table: Map<string, OnLoad[]>, name: string, handler: OnLoad): () => void {
  let list = table.get(name);
  if (list === undefined) table.set(name, (list = []));
  list.push(handler);
  return () => {
    const index = list.indexOf(handler);
    if (index !== -1) list.splice(index, 1);
  };
}
