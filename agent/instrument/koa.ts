/**
 * Koa 2 and 3 (with @koa/router): route templates, handler names and errors for the SERVER span the http server
 * instrumentation opened.
 *
 * What is patched, and why there:
 *   - Koa's context prototype (`koa/lib/context`): `onerror` is where Koa turns every error of the middleware
 *     chain into a response (a thrown error, a rejected promise, `ctx.throw(404)`), so it sees them all.
 *   - Koa's response prototype (`koa/lib/response`): its `writable` getter is read by Koa's `respond()` once the
 *     middleware chain has settled, the moment the router's `ctx._matchedRoute` is final.
 * Both are internal files that Koa's CommonJS entry `require`s, so an ESM app's `import 'koa'` reaches them too.
 * @koa/router itself is left alone: from version 15 on its ESM build is real ESM, which no require hook sees.
 * The router leaves the template (prefixes of nested routers included) in `ctx._matchedRoute` and the matched
 * layers in `ctx.matched`; the handler's name is read from the answering layer once and kept on it.
 */
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { noteServerError, serverSpanOf, setHandler, setRoute } from './server-state.js';

const kHandlerName = Symbol('tracekit.koaHandlerName');

interface RouterLayer {
  path?: unknown;
  methods?: unknown;
  stack?: unknown;
  [kHandlerName]?: string | null;
}

interface KoaContext {
  req?: unknown;
  method?: string;
  _matchedRoute?: unknown;
  matched?: unknown;
}

interface KoaState {
  patchContext(exports: unknown): unknown;
  patchResponse(exports: unknown): unknown;
}

export const koa = defineInstrumentation<KoaState>({
  name: 'koa',
  enabledByDefault: true,
  modules: [
    { module: 'koa', file: 'lib/context', versions: '>=2 <4', patch: (exports, state) => state.patchContext(exports) },
    { module: 'koa', file: 'lib/response', versions: '>=2 <4', patch: (exports, state) => state.patchResponse(exports) },
  ],
  create: createKoaState,
});

function createKoaState(_runtime: unknown, guard: Guard): KoaState {
  return {
    patchContext(exports) {
      if (exports == null || typeof exports !== 'object') return exports;
      guard.wrap(exports, 'onerror', {
        enter(ctx, args) {
          const context = ctx as KoaContext;
          if (args[0] == null || serverSpanOf(context?.req) === undefined) return undefined;
          noteRoute(context);
          noteServerError(context.req, args[0]);
          return undefined;
        },
      });
      return exports;
    },
    patchResponse(exports) {
      if (exports == null || typeof exports !== 'object') return exports;
      wrapGetter(guard, exports, 'writable', (response) => {
        const ctx = (response as { ctx?: KoaContext } | undefined)?.ctx;
        if (ctx != null && serverSpanOf(ctx.req) !== undefined) noteRoute(ctx);
      });
      return exports;
    },
  };
}

/** Replaces a getter with one that runs `before` (guarded) first; restored when the row turns off. */
function wrapGetter(guard: Guard, target: object, key: string, before: (self: unknown) => void): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  const get = descriptor?.get;
  if (descriptor === undefined || get === undefined || descriptor.configurable !== true) return;
  const wrapped = guard.around(get, { enter: (self) => { before(self); return undefined; } });
  Object.defineProperty(target, key, { ...descriptor, get: wrapped });
  guard.onStop(() => {
    if (Object.getOwnPropertyDescriptor(target, key)?.get === wrapped) Object.defineProperty(target, key, descriptor);
  });
}

function noteRoute(ctx: KoaContext): void {
  const route = ctx._matchedRoute;
  if (typeof route !== 'string') return;
  setRoute(ctx.req, route);
  const layer = answeringLayer(ctx, route);
  if (layer !== undefined) setHandler(ctx.req, handlerName(layer));
}

/** The last layer the router matched for this path and method: the one whose handler answers. */
function answeringLayer(ctx: KoaContext, route: string): RouterLayer | undefined {
  const matched = ctx.matched;
  if (!Array.isArray(matched)) return undefined;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer = matched[i] as RouterLayer;
    if (layer?.path === route && Array.isArray(layer.methods) && layer.methods.includes(ctx.method)) return layer;
  }
  return undefined;
}

/** The name of the layer's last function, read the first time the route answers and kept on the layer. */
function handlerName(layer: RouterLayer): string | undefined {
  let name = layer[kHandlerName];
  if (name === undefined) {
    const stack = layer.stack;
    const last: unknown = Array.isArray(stack) ? stack[stack.length - 1] : undefined;
    name = typeof last === 'function' && last.name !== '' ? last.name : null;
    layer[kHandlerName] = name;
  }
  return name ?? undefined;
}
