/**
 * One require-in-the-middle hook for every module file an instrumentation patches, installed once all
 * instrumentations have said what they need. Names may be a package (`router`) or a file inside one
 * (`express/lib/router/layer`, as require-in-the-middle names files: no `.js`, no `/index`); RITM matches both, for CommonJS apps and for the `require`s that CommonJS
 * packages make when an ESM app imports them.
 */
import { Hook } from 'require-in-the-middle';
import { debug } from './log.js';

export type OnRequire = (exports: unknown, name: string, basedir: string | undefined) => unknown;

export class ModuleHooks {
  private readonly handlers = new Map<string, OnRequire[]>();
  private hook: { unhook(): void } | undefined = undefined;

  constructor(private readonly onError: (name: string, error: unknown) => void) {}

  onRequire(name: string, handler: OnRequire): void {
    const list = this.handlers.get(name);
    if (list === undefined) this.handlers.set(name, [handler]);
    else list.push(handler);
  }

  get moduleNames(): string[] {
    return [...this.handlers.keys()];
  }

  install(): void {
    if (this.hook !== undefined || this.handlers.size === 0) return;
    this.hook = new Hook(this.moduleNames, {}, <T>(exports: T, name: string, basedir?: string): T => {
      const handlers = this.handlers.get(name.replace(/\\/g, '/'));
      if (handlers === undefined) return exports;
      let current: unknown = exports;
      for (const handler of handlers) {
        try {
          current = handler(current, name, basedir) ?? current;
        } catch (error) {
          this.onError(name, error);
        }
      }
      debug(`patched ${name}`);
      return current as T;
    });
  }

  uninstall(): void {
    this.hook?.unhook();
    this.hook = undefined;
  }
}
