/**
 * Hapi 21 (@hapi/hapi): route templates, handler names and Boom errors for the SERVER span the http server
 * instrumentation opened.
 *
 * Hapi has public extension points for all of it, so only the server factory is wrapped (`@hapi/hapi/lib/server`,
 * which the CommonJS entry `require`s, so ESM apps reach it too). On each new server:
 *   - a `route` event listener reads each route's handler name once, when the route is added (plugins' routes
 *     included: they share the server's events);
 *   - one `onPreResponse` extension, which Hapi runs for every request once the answer is known: it reports
 *     `request.route.path` (the template, plugin prefixes applied) and, when the answer is a Boom error, the error.
 *     Hapi turns a thrown error into a Boom 500 in place (the same object, its message and stack kept); a
 *     `Boom.notFound()` is a 404 and so is never recorded as an error.
 * Unmatched requests run Hapi's internal not-found route (method `_special`), which has no template of the app's.
 */
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { noteServerError, serverSpanOf, setHandler, setRoute } from './server-state.js';

const kHandlerName = Symbol('tracekit.hapiHandlerName');

interface PublicRoute {
  method?: string;
  path?: string;
  settings?: { handler?: unknown };
  [kHandlerName]?: string;
}

interface HapiRequest {
  raw?: { req?: unknown };
  route?: PublicRoute;
  response?: { isBoom?: boolean } | null;
}

interface Toolkit {
  continue: unknown;
}

interface HapiServer {
  ext(event: string, method: (request: HapiRequest, h: Toolkit) => unknown): unknown;
  events?: { on(event: string, listener: (route: PublicRoute) => void): unknown };
}

interface HapiState {
  patchServerFactory(exports: unknown): unknown;
}

export const hapi = defineInstrumentation<HapiState>({
  name: 'hapi',
  enabledByDefault: true,
  modules: [{ module: '@hapi/hapi', file: 'lib/server', versions: '>=21 <22', patch: (exports, state) => state.patchServerFactory(exports) }],
  create: createHapiState,
});

function createHapiState(_runtime: unknown, guard: Guard): HapiState {
  const onRoute = guard.protect((route: PublicRoute) => {
    const handler = route?.settings?.handler;
    // `handler: () => …` in a route object is named `handler` by the language itself: that is no name of the app's.
    if (typeof handler === 'function' && handler.name !== '' && handler.name !== 'handler') route[kHandlerName] = handler.name;
  });
  // Hapi waits for what the extension returns: a failure in ours must still let the request go on.
  const onPreResponse = guard.protect((request: HapiRequest, h: Toolkit) => {
    const req = request.raw?.req;
    if (serverSpanOf(req) !== undefined) {
      const route = request.route;
      if (route !== undefined && route.method !== '_special' && typeof route.path === 'string') {
        setRoute(req, route.path);
        setHandler(req, route[kHandlerName]);
      }
      const response = request.response;
      if (response != null && response.isBoom === true) noteServerError(req, response);
    }
    return h.continue;
  }, (args) => (args[1] as Toolkit).continue);

  return {
    patchServerFactory(exports) {
      if (typeof exports !== 'function') return exports;
      return guard.around(exports as (...args: unknown[]) => unknown, {
        exit(_state, server) {
          const instance = server as HapiServer | undefined;
          if (instance == null || typeof instance.ext !== 'function') return undefined;
          instance.events?.on('route', onRoute);
          instance.ext('onPreResponse', onPreResponse);
          return undefined;
        },
      });
    },
  };
}
