/**
 * The fields a log record written inside a span carries: the names of OpenTelemetry's log instrumentations
 * (`trace_id`, `span_id`, `trace_flags`), so log pipelines that already understand those join logs to traces with
 * no configuration, plus `service.name`.
 */
import { trace } from '@opentelemetry/api';
import { activeSpan } from '../instrument/active-request.js';

export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
  'service.name': string;
}

/** The fields for the active span, or undefined outside one (such records stay exactly as the app wrote them). */
export function activeTraceFields(serviceName: string): TraceFields | undefined {
  const span = activeSpan();
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: (spanContext.traceFlags & 1) === 1 ? '01' : '00',
    'service.name': serviceName,
  };
}

/**
 * A copy of `record` (own enumerable keys, symbols included) with the trace fields added after it, where the
 * record does not already set them: a field the app logs wins, and the app's object is never changed.
 */
export function withTraceFields(record: object, fields: TraceFields): Record<string | symbol, unknown> {
  const copy = Object.assign({}, record) as Record<string | symbol, unknown>;
  for (const key of Object.keys(fields) as (keyof TraceFields)[]) {
    if (!(key in copy)) copy[key] = fields[key];
  }
  return copy;
}
