/**
 * Express 4 and 5: route templates and handler errors for the SERVER span (the span itself comes from the http
 * server instrumentation, so there is exactly one per request).
 *
 * Express has no diagnostics channels of its own for this, so the router is patched; ESM apps reach it through
 * `require` too (express and router are CommonJS). Two patches, per major:
 *   - `use()` tags each layer it creates with its mount path, which Express does not keep (only a regexp);
 *   - `Layer#handle_request` (4) / `Layer#handleRequest` (5) keeps a per-request stack of mount paths, records
 *     the template when a route layer runs, and wraps `next` to see `next(err)`, which is also where Express
 *     delivers errors thrown by handlers, sync or async.
 * Handler names: `Route`'s registration methods (`get`, `post`, …, `all`) are wrapped so that each registration
 * recomputes, per HTTP method, the name of the last handler the route runs for it (the one that answers); a
 * request only looks its method up.
 */
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { noteServerError, serverSpanOf, setHandler, setRoute } from './server-state.js';

const kMountPath = Symbol('tracekit.mountPath');
const kHandlerNames = Symbol('tracekit.handlerNames');
// Route methods that are not registrations.
const NOT_REGISTRATIONS = new Set(['constructor', 'dispatch', '_handles_method', '_handlesMethod', '_options', '_methods']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** Per upper-case method, the answering handler's name (null: anonymous); `*` for methods only `all` serves. */
type HandlerNames = Record<string, string | null | undefined>;

interface RouteLike {
  path?: unknown;
  stack?: Array<{ method?: unknown; handle?: unknown }>;
  [kHandlerNames]?: HandlerNames;
}

interface Layer {
  route?: RouteLike;
  [kMountPath]?: string;
}

interface RouterLike {
  stack?: Layer[];
}

interface ExpressState {
  patchLayer(exports: unknown, method: 'handle_request' | 'handleRequest'): unknown;
  patchUse(target: unknown): void;
  patchRoute(exports: unknown): unknown;
}

export const express = defineInstrumentation<ExpressState>({
  name: 'express',
  enabledByDefault: true,
  modules: [
    // Express 4 keeps its router inside the package.
    { module: 'express', file: 'lib/router/layer', versions: '>=4 <5', patch: (exports, state) => state.patchLayer(exports, 'handle_request') },
    { module: 'express', file: 'lib/router', versions: '>=4 <5', patch: (exports, state) => { state.patchUse(exports); return exports; } },
    { module: 'express', file: 'lib/router/route', versions: '>=4 <5', patch: (exports, state) => state.patchRoute(exports) },
    // Express 5 uses the `router` package (v2).
    { module: 'router', file: 'lib/layer', versions: '>=2 <3', patch: (exports, state) => state.patchLayer(exports, 'handleRequest') },
    { module: 'router', file: 'lib/route', versions: '>=2 <3', patch: (exports, state) => state.patchRoute(exports) },
    {
      module: 'router',
      versions: '>=2 <3',
      patch: (exports, state) => {
        state.patchUse((exports as { prototype?: unknown } | undefined)?.prototype);
        return exports;
      },
    },
  ],
  create: createExpressState,
});

function createExpressState(_runtime: unknown, guard: Guard): ExpressState {
  return {
    patchLayer(exports, method) {
      const proto = (exports as { prototype?: object } | undefined)?.prototype;
      if (proto !== undefined) guard.wrap(proto, method, { enter: (layer, args) => enterLayer(guard, layer as Layer, args) });
      return exports;
    },
    patchUse(target) {
      if (target == null || typeof target !== 'object' && typeof target !== 'function') return;
      guard.wrap(target, 'use', {
        enter: (router) => {
          const stack = (router as RouterLike | undefined)?.stack;
          return Array.isArray(stack) ? stack.length : -1;
        },
        exit: (before, _result, error, router, args) => {
          if (error === undefined && before !== undefined && before !== -1) tagMounts(router as RouterLike, before, args);
          return undefined;
        },
      });
    },
    patchRoute(exports) {
      const proto = (exports as { prototype?: Record<string, unknown> } | undefined)?.prototype;
      if (proto == null) return exports;
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (NOT_REGISTRATIONS.has(key) || typeof proto[key] !== 'function') continue;
        guard.wrap(proto, key, {
          exit: (_state, _result, error, route) => {
            if (error === undefined) nameHandlers(route as RouteLike);
            return undefined;
          },
        });
      }
      return exports;
    },
  };
}

/** Registration time: for each method, the name of the last handler the route runs for it. */
function nameHandlers(route: RouteLike): void {
  const stack = route?.stack;
  if (!Array.isArray(stack)) return;
  const names: HandlerNames = Object.create(null) as HandlerNames;
  for (const layer of stack) {
    const handle = layer?.handle;
    const name = typeof handle === 'function' && handle.name !== '' ? handle.name : null;
    if (typeof layer?.method === 'string') {
      names[layer.method.toUpperCase()] = name;
    } else {
      // An `all` handler runs for every method, after the ones registered before it.
      for (const method of Object.keys(names)) names[method] = name;
      names['*'] = name;
    }
  }
  route[kHandlerNames] = names;
}

function handlerNameFor(route: RouteLike, method: string | undefined): string | undefined {
  const names = route[kHandlerNames];
  if (names === undefined || method === undefined) return undefined;
  let name = names[method];
  // Express answers HEAD with the GET handlers when the route has none of its own.
  if (name === undefined && method === 'HEAD') name = names.GET;
  if (name === undefined) name = names['*'];
  return name ?? undefined;
}

/** Runs before every layer of a traced request: route template, mount stack, and a `next` that sees errors. */
function enterLayer(guard: Guard, layer: Layer, args: IArguments): undefined {
  const req = args[0];
  const next = args[2];
  const span = serverSpanOf(req);
  if (span === undefined || typeof next !== 'function') return undefined;
  // The mount stack lives on the span, not on `req` (see server-state.ts for why).
  const mounts = span.serverMounts;
  const route = layer.route;
  if (route !== undefined) {
    setRoute(req, joinRoute(mounts, pathToString(route.path)));
    setHandler(req, handlerNameFor(route, (req as { method?: string }).method));
  }
  const mountPath = layer[kMountPath];
  let depth = -1;
  if (mountPath !== undefined) {
    const stack = mounts ?? (span.serverMounts = []);
    stack.push(mountPath);
    depth = stack.length - 1;
  }
  args[2] = guard.callback(next as AnyFunction, (nextArgs) => {
    // Leaving a mounted router: its prefix no longer applies to the routes after it.
    if (depth !== -1) {
      const stack = span.serverMounts;
      if (stack !== undefined) stack.length = depth;
    }
    const err = nextArgs[0];
    if (err != null && err !== 'route' && err !== 'router') noteServerError(req, err);
  });
  return undefined;
}

/** `use('/api', …)` created layers `before`…end: tag them with their mount path. */
function tagMounts(router: RouterLike, before: number, args: IArguments): void {
  const stack = router.stack;
  if (!Array.isArray(stack)) return;
  const first = args[0];
  const path = typeof first === 'function' ? '/' : pathToString(Array.isArray(first) && first.length === 1 ? first[0] : first);
  if (path === '/' || path === '') return;
  for (let i = before; i < stack.length; i++) stack[i]![kMountPath] = path;
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
