/**
 * The one way to find the request a piece of code runs for: snapshots, log correlation and every instrumentation
 * ask here. Everything is read from the OpenTelemetry context, so it works for any context the app or another
 * instrumentation derived from ours: `context.setValue`, baggage, or a child span (ours or a foreign one) made
 * active with `trace.setSpan`.
 *   - the request: a context value the SERVER span's context carries (REQUEST_KEY), kept by derived contexts;
 *   - the SERVER span: from the active span up through each span's parent context.
 */
import { context as apiContext, trace } from '../trace/api.js';
import type { Context, Span as ApiSpan } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { REQUEST_KEY, Span } from '../trace/span.js';

// A chain this deep is a cycle or a bug; give up rather than loop.
const MAX_DEPTH = 64;

/** The span active in `ctx` (default: the current context), whoever set it. */
export function activeSpan(ctx: Context = apiContext.active()): ApiSpan | undefined {
  return trace.getSpan(ctx);
}

/** The SERVER span of the request `ctx` belongs to, or undefined outside a traced request. */
export function activeServerSpan(ctx: Context = apiContext.active()): Span | undefined {
  let current = trace.getSpan(ctx);
  for (let depth = 0; depth < MAX_DEPTH && current instanceof Span; depth++) {
    if (current.serverRequest !== undefined) return current;
    current = trace.getSpan(current.parentContext);
  }
  return undefined;
}

/** The incoming request `ctx` belongs to, while its SERVER span is open. */
export function activeRequest(ctx: Context = apiContext.active()): IncomingMessage | undefined {
  return ctx.getValue(REQUEST_KEY) as IncomingMessage | undefined;
}
