/**
 * Express 4 and 5: route templates and handler errors for the SERVER span (the span itself comes from the http
 * server instrumentation, so there is exactly one per request).
 *
 * Express has no diagnostics channels, so this patches the router, which ESM apps reach through `require` too
 * (express and router are CommonJS). Two patches, per major:
 *   - `use()` tags each layer it creates with its mount path, which Express does not keep (only a regexp);
 *   - `Layer#handle_request` (4) / `Layer#handleRequest` (5) keeps a per-request stack of mount paths, records
 *     the template when a route layer runs, and wraps `next` to see `next(err)`, which is also where Express
 *     delivers errors thrown by handlers, sync or async.
 */
import { recordServerError, serverSpanOf, setRoute } from './server-state.js';
import type { AgentRuntime, Instrumentation } from './types.js';
import type { ModuleHooks } from '../module-hooks.js';

const kMountPath = Symbol('tracekit.mountPath');
const kMountStack = Symbol('tracekit.mountStack');
const kPatched = Symbol('tracekit.patched');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

interface Layer {
  route?: { path?: unknown };
  [kMountPath]?: string;
}

interface RouterLike {
  stack?: Layer[];
}

interface RequestState {
  [kMountStack]?: string[];
}

export function expressInstrumentation(runtime: AgentRuntime, hooks: ModuleHooks): Instrumentation {
  let enabled = false;

  function wrapHandle(original: AnyFunction): AnyFunction {
    return function handle(this: Layer, req: unknown, res: unknown, next: AnyFunction): unknown {
      if (!enabled || serverSpanOf(req) === undefined || typeof next !== 'function') {
        return original.call(this, req, res, next);
      }
      const state = req as RequestState;
      const mounts = state[kMountStack];
      const route = this.route;
      if (route !== undefined) {
        setRoute(req, joinRoute(mounts, pathToString(route.path)));
      }
      const mountPath = this[kMountPath];
      let depth = -1;
      if (mountPath !== undefined) {
        const stack = mounts ?? (state[kMountStack] = []);
        stack.push(mountPath);
        depth = stack.length - 1;
      }
      const wrappedNext = function next_(this: unknown, err?: unknown): unknown {
        // Leaving a mounted router: its prefix no longer applies to the routes after it.
        if (depth !== -1) {
          const stack = state[kMountStack];
          if (stack !== undefined) stack.length = depth;
        }
        if (err != null && err !== 'route' && err !== 'router') recordServerError(req, err);
        return next.apply(this, arguments as unknown as unknown[]);
      };
      return original.call(this, req, res, wrappedNext);
    };
  }

  function patchLayer(exports: unknown, method: 'handle_request' | 'handleRequest'): unknown {
    const Layer = exports as { prototype?: Record<string | symbol, unknown> };
    const proto = Layer?.prototype;
    if (proto === undefined || typeof proto[method] !== 'function' || proto[kPatched] === true) return exports;
    proto[method] = wrapHandle(proto[method] as AnyFunction);
    proto[kPatched] = true;
    return exports;
  }

  function wrapUse(original: AnyFunction): AnyFunction {
    return function use(this: RouterLike, ...args: unknown[]): unknown {
      const before = Array.isArray(this?.stack) ? this.stack.length : -1;
      const result = original.apply(this, args);
      try {
        const stack = this?.stack;
        if (before !== -1 && Array.isArray(stack)) {
          const first = args[0];
          const path = typeof first === 'function' ? '/' : pathToString(Array.isArray(first) && first.length === 1 ? first[0] : first);
          if (path !== '/' && path !== '') {
            for (let i = before; i < stack.length; i++) stack[i]![kMountPath] = path;
          }
        }
      } catch (error) {
        runtime.fail('express', error);
      }
      return result;
    };
  }

  function patchUse(target: Record<string | symbol, unknown> | undefined): void {
    if (target === undefined || typeof target.use !== 'function' || target[kPatched] === true) return;
    target.use = wrapUse(target.use as AnyFunction);
    target[kPatched] = true;
  }

  return {
    name: 'express',
    enable() {
      enabled = true;
      // Express 4 keeps its router inside the package.
      hooks.onRequire('express/lib/router/layer', (exports) => patchLayer(exports, 'handle_request'));
      hooks.onRequire('express/lib/router', (exports) => {
        patchUse(exports as Record<string | symbol, unknown>);
        return exports;
      });
      // Express 5 uses the `router` package (v2).
      hooks.onRequire('router/lib/layer', (exports) => patchLayer(exports, 'handleRequest'));
      hooks.onRequire('router', (exports) => {
        patchUse((exports as { prototype?: Record<string | symbol, unknown> })?.prototype);
        return exports;
      });
    },
    disable() {
      // Patches stay in place (they may be on the stack of a request); they pass straight through when disabled.
      enabled = false;
    },
  };
}

function pathToString(path: unknown): string {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return path.toString();
  if (Array.isArray(path)) return path.map(pathToString).join(',');
  return '/';
}

/** '/api' + '/v1' + '/users/:id' → '/api/v1/users/:id'; a route '/' under a prefix is the prefix itself. */
function joinRoute(mounts: string[] | undefined, routePath: string): string {
  if (mounts === undefined || mounts.length === 0) return routePath;
  let joined = '';
  for (const mount of mounts) joined += mount.endsWith('/') ? mount.slice(0, -1) : mount;
  if (routePath === '/' || routePath === '') return joined || '/';
  return joined + (routePath.startsWith('/') ? routePath : `/${routePath}`);
}
