/**
 * Per-request state shared by the http server instrumentation and the framework instrumentations
 * (Express, Fastify). Kept as symbol-keyed fields on the IncomingMessage: the frameworks hand us `req`
 * (or `request.raw`), so no lookup table is needed, and the fields die with the request.
 */
import type { IncomingMessage } from 'node:http';
import type { Span } from '../trace/span.js';

export const kSpan = Symbol('tracekit.span');
export const kRoute = Symbol('tracekit.route');
export const kError = Symbol('tracekit.error');
export const kHandler = Symbol('tracekit.handler');

export interface TracedRequest extends IncomingMessage {
  [kSpan]?: Span;
  [kRoute]?: string;
  [kError]?: unknown;
  [kHandler]?: string;
}

export function serverSpanOf(req: unknown): Span | undefined {
  return req == null ? undefined : (req as TracedRequest)[kSpan];
}

/** Frameworks report the matched route template; the span is named from it when the response ends. */
export function setRoute(req: unknown, route: string): void {
  const traced = req as TracedRequest;
  if (traced[kSpan] !== undefined) traced[kRoute] = route;
}

/** Whether a traced request still lacks its route template (a framework may then look it up late). */
export function lacksRoute(req: unknown): boolean {
  const traced = req as TracedRequest | undefined;
  return traced != null && traced[kSpan] !== undefined && traced[kRoute] === undefined;
}

/**
 * The name of the route handler that answers (`code.function.name`). Frameworks resolve it once per route, when
 * the route is registered, and hand the string over per request; an empty name (an anonymous handler) is dropped.
 */
export function setHandler(req: unknown, name: string | undefined): void {
  const traced = req as TracedRequest;
  if (traced != null && traced[kSpan] !== undefined && name) traced[kHandler] = name;
}

/**
 * An error thrown in, or passed on by, a handler. Only noted here: when the response ends, the http server
 * instrumentation records it (an `exception` event and status ERROR) if the answer is a 5xx or none came, and
 * drops it for a 4xx, which is the client's error, not the app's. The first error of a request is its origin.
 */
export function noteServerError(req: unknown, error: unknown): void {
  const traced = req as TracedRequest;
  if (traced == null || traced[kSpan] === undefined || error == null || traced[kError] !== undefined) return;
  traced[kError] = error;
}
