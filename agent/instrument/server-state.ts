/**
 * Per-request state shared by the http server instrumentation and the framework instrumentations (Express,
 * Fastify, Koa, Hapi, NestJS). The frameworks hand us `req` (or `request.raw`); its SERVER span hangs on it under
 * one symbol, set when the request starts, and everything a framework learns later (route, handler, error) is
 * written on that span, never on `req`.
 *
 * Why not more fields on `req`: Express swaps the prototype of every `req` and `res` (`Object.setPrototypeOf`).
 * Before Node 24 (V8 13.6) each swap gives the object a map of its own, so every property added after it builds
 * yet another map: a plain http server that swaps two prototypes per request serves 57k req/s without the swap
 * and 22k with it on Node 22 (the same 57k / 55k on Node 24), and its old space fills with maps. Reads of a field
 * set before the swap stay cheap; the span is an object of the agent's own, with one shape for all requests.
 */
import type { IncomingMessage } from 'node:http';
import type { Span } from '../trace/span.js';

export const kSpan = Symbol('tracekit.span');

export interface TracedRequest extends IncomingMessage {
  [kSpan]?: Span;
}

export function serverSpanOf(req: unknown): Span | undefined {
  return req == null ? undefined : (req as TracedRequest)[kSpan];
}

/** Frameworks report the matched route template; the span is named from it when the response ends. */
export function setRoute(req: unknown, route: string): void {
  const span = (req as TracedRequest)[kSpan];
  if (span !== undefined) span.serverRoute = route;
}

/** Whether a traced request still lacks its route template (a framework may then look it up late). */
export function lacksRoute(req: unknown): boolean {
  const span = req == null ? undefined : (req as TracedRequest)[kSpan];
  return span !== undefined && span.serverRoute === undefined;
}

/**
 * The name of the route handler that answers (`code.function.name`). Frameworks resolve it once per route, when
 * the route is registered, and hand the string over per request; an empty name (an anonymous handler) is dropped.
 */
export function setHandler(req: unknown, name: string | undefined): void {
  const span = req == null ? undefined : (req as TracedRequest)[kSpan];
  if (span !== undefined && name) span.serverHandler = name;
}

/**
 * An error thrown in, or passed on by, a handler. Only noted here: when the response ends, the http server
 * instrumentation records it (an `exception` event and status ERROR) if the answer is a 5xx or none came, and
 * drops it for a 4xx, which is the client's error, not the app's. The first error of a request is its origin.
 */
export function noteServerError(req: unknown, error: unknown): void {
  const span = req == null ? undefined : (req as TracedRequest)[kSpan];
  if (span === undefined || error == null || span.serverError !== undefined) return;
  span.serverError = error;
}
