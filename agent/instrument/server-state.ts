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

export interface TracedRequest extends IncomingMessage {
  [kSpan]?: Span;
  [kRoute]?: string;
  [kError]?: unknown;
}

export function serverSpanOf(req: unknown): Span | undefined {
  return req == null ? undefined : (req as TracedRequest)[kSpan];
}

/** Frameworks report the matched route template; the span is named from it when the response ends. */
export function setRoute(req: unknown, route: string): void {
  const traced = req as TracedRequest;
  if (traced[kSpan] !== undefined) traced[kRoute] = route;
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
