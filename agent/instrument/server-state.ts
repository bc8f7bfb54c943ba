/**
 * Per-request state shared by the http server instrumentation and the framework instrumentations
 * (Express, Fastify). Kept as symbol-keyed fields on the IncomingMessage: the frameworks hand us `req`
 * (or `request.raw`), so no lookup table is needed, and the fields die with the request.
 */
import { SpanStatusCode } from '@opentelemetry/api';
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

/** An error thrown in, or passed on by, a handler: one `exception` event per distinct error, status ERROR. */
export function recordServerError(req: unknown, error: unknown): void {
  const traced = req as TracedRequest;
  const span = traced[kSpan];
  if (span === undefined || error == null || traced[kError] === error) return;
  traced[kError] = error;
  span.recordException(error as Error);
  const message = typeof (error as { message?: unknown }).message === 'string' ? (error as { message: string }).message : undefined;
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
