/**
 * Fastify 4 and 5: route templates and errors for the SERVER span, with nothing patched. Fastify publishes every
 * new instance on the `fastify.initialization` diagnostics channel (4.x and 5.x); there we add
 *   - an `onRoute` hook that wraps each route handler to report `routeOptions.url` (the template, with plugin
 *     prefixes already applied) — one extra function call per request, cheaper than a request hook;
 *   - an `onError` hook, which Fastify runs only for failing requests, to record the error.
 * Requests answered by a hook before the handler runs (an auth hook's 401, say) are named from the onError hook
 * when they fail, else keep the bare `METHOD` name (noted in docs/architecture.md).
 */
import dc from 'node:diagnostics_channel';
import { recordServerError, setRoute } from './server-state.js';
import type { AgentRuntime, Instrumentation } from './types.js';

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

const kWrapped = Symbol('tracekit.wrapped');

export function fastifyInstrumentation(runtime: AgentRuntime): Instrumentation {
  const channel = dc.channel('fastify.initialization');
  let enabled = false;

  function onRoute(routeOptions: RouteOptions): void {
    try {
      const handler = routeOptions.handler;
      const url = routeOptions.url ?? routeOptions.path;
      if (typeof handler !== 'function' || typeof url !== 'string' || (handler as unknown as Record<symbol, unknown>)[kWrapped]) return;
      const wrapped: Handler = function (this: unknown, request, reply) {
        if (enabled && request != null) setRoute(request.raw, url);
        return handler.call(this, request, reply);
      };
      (wrapped as unknown as Record<symbol, unknown>)[kWrapped] = true;
      routeOptions.handler = wrapped;
    } catch (error) {
      runtime.fail('fastify', error);
    }
  }

  function onError(request: FastifyRequest, _reply: unknown, error: unknown, done: () => void): void {
    try {
      if (enabled && request != null) {
        const url = request.routeOptions?.url ?? request.routerPath;
        if (typeof url === 'string') setRoute(request.raw, url);
        recordServerError(request.raw, error);
      }
    } catch (failure) {
      runtime.fail('fastify', failure);
    }
    done();
  }

  function onInitialization(message: unknown): void {
    try {
      const fastify = (message as { fastify?: FastifyInstance }).fastify;
      if (!enabled || fastify == null || typeof fastify.addHook !== 'function') return;
      fastify.addHook('onRoute', onRoute as (...args: never[]) => unknown);
      fastify.addHook('onError', onError as (...args: never[]) => unknown);
    } catch (error) {
      runtime.fail('fastify', error);
    }
  }

  return {
    name: 'fastify',
    enable() {
      enabled = true;
      channel.subscribe(onInitialization);
    },
    disable() {
      enabled = false;
      channel.unsubscribe(onInitialization);
    },
  };
}
