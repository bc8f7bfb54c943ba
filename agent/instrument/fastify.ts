/**
 * Fastify 4 and 5: route templates and errors for the SERVER span, with nothing patched. Fastify publishes every
 * new instance on the `fastify.initialization` diagnostics channel (4.x and 5.x); there we add
 *   - an `onRoute` hook that wraps each route handler to report `routeOptions.url` (the template, with plugin
 *     prefixes already applied) and the handler's name, read once per route — one extra function call per
 *     request, cheaper than a request hook;
 *   - an `onError` hook, which Fastify runs only for failing requests, to note the error.
 * Requests answered by a hook before the handler runs (an auth hook's 401, say) never reach that wrapper, and
 * Fastify 5's handler tracing channels do not fire for them either. Every answer goes through `Reply#send`
 * (`fastify/lib/reply`, an internal file, so ESM apps reach it too), which is wrapped: when the request has no
 * template yet, it is read from `request.routeOptions.url` (building that object costs a little, paid only on
 * this path; the usual request only pays one property check). Unmatched requests have no url there.
 */
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { lacksRoute, noteServerError, setHandler, setRoute } from './server-state.js';

const INITIALIZATION = 'fastify.initialization';

type Handler = (this: unknown, request: FastifyRequest, reply: unknown) => unknown;

interface FastifyRequest {
  raw?: unknown;
  routeOptions?: { url?: string };
  routerPath?: string;
}

interface RouteOptions {
  url?: string;
  path?: string;
  handler?: Handler;
}

interface FastifyInstance {
  addHook(name: string, hook: (...args: never[]) => unknown): unknown;
}

export const fastify = defineInstrumentation<Guard>({
  name: 'fastify',
  enabledByDefault: true,
  // Loading fastify activates the row; instances then announce themselves on the channel. Files, not the
  // package: an ESM `import` of the (CommonJS) package bypasses require hooks, but its own `require`s do not.
  modules: [
    { module: 'fastify', file: 'lib/route', versions: '>=4 <6', patch: (exports) => exports },
    { module: 'fastify', file: 'lib/reply', versions: '>=4 <6', patch: (exports, guard) => patchReply(guard, exports) },
  ],
  channels: [INITIALIZATION],
  create: (_runtime, guard) => {
    guard.subscribe(INITIALIZATION, (message) => onInitialization(guard, message));
    return guard;
  },
});

function patchReply(guard: Guard, exports: unknown): unknown {
  const proto = (exports as { prototype?: object } | undefined)?.prototype;
  if (proto === undefined) return exports;
  guard.wrap(proto, 'send', {
    enter(reply) {
      const request = (reply as { request?: FastifyRequest } | undefined)?.request;
      const raw = request?.raw;
      if (lacksRoute(raw)) {
        const url = request!.routeOptions?.url;
        if (typeof url === 'string') setRoute(raw, url);
      }
      return undefined;
    },
  });
  return exports;
}

function onInitialization(guard: Guard, message: unknown): void {
  const instance = (message as { fastify?: FastifyInstance } | undefined)?.fastify;
  if (instance == null || typeof instance.addHook !== 'function') return;
  instance.addHook('onRoute', guard.protect((routeOptions: RouteOptions) => onRoute(guard, routeOptions)) as (...args: never[]) => unknown);
  // Fastify waits for `done`: a failure in our hook must still call it, or the request would hang.
  const onError = guard.protect(
    (request: FastifyRequest, _reply: unknown, error: unknown, done: () => void) => {
      if (request != null) {
        const url = request.routeOptions?.url ?? request.routerPath;
        if (typeof url === 'string') setRoute(request.raw, url);
        noteServerError(request.raw, error);
      }
      done();
    },
    (args) => (args[3] as () => void)(),
  );
  instance.addHook('onError', onError as (...args: never[]) => unknown);
}

function onRoute(guard: Guard, routeOptions: RouteOptions): void {
  const handler = routeOptions.handler;
  const url = routeOptions.url ?? routeOptions.path;
  if (typeof handler !== 'function' || typeof url !== 'string') return;
  // Resolved here, once per route. `handler: async () => …` in route options is named `handler` by the language.
  const name = handler.name !== 'handler' ? handler.name : undefined;
  routeOptions.handler = guard.around(handler, {
    enter(_self, args) {
      const request = args[0] as FastifyRequest | undefined;
      if (request != null) {
        setRoute(request.raw, url);
        setHandler(request.raw, name);
      }
      return undefined;
    },
  });
}
