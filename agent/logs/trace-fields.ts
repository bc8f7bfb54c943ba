/**
 * The fields a log record written inside a span carries: the names of OpenTelemetry's log instrumentations
 * (`trace_id`, `span_id`, `trace_flags`), so log pipelines that already understand those join logs to traces with
 * no configuration, plus `service.name`.
 */
import { trace } from '@opentelemetry/api';
import type { Context, Span as ApiSpan } from '@opentelemetry/api';
import { activeSpan } from '../instrument/active-request.js';

export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
  'service.name': string;
}

// Per span: its fields are worked out once, however many lines it logs (a log call is a hot path).
const cache = new WeakMap<object, TraceFields | null>();

/** The fields for the active span, or undefined outside one (such records stay exactly as the app wrote them). */
export function activeTraceFields(serviceName: string): TraceFields | undefined {
  const span = activeSpan();
  if (span === undefined) return undefined;
  const fields = fieldsOf(span, serviceName);
  // A copy: callers may hand it to the app's logging library, which may change it.
  return fields === null ? undefined : { ...fields };
}

/** The fields of `span`, null for an invalid one; worked out once per span. */
function fieldsOf(span: ApiSpan, serviceName: string): TraceFields | null {
  let fields = cache.get(span);
  if (fields === undefined) {
    const spanContext = span.spanContext();
    fields = trace.isSpanContextValid(spanContext) ? {
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
      trace_flags: (spanContext.traceFlags & 1) === 1 ? '01' : '00',
      'service.name': serviceName,
    } : null;
    cache.set(span, fields);
  }
  return fields;
}

const jsonCache = new WeakMap<object, string | null>();

/**
 * The fields as the JSON members to append to a serialized record (`,"trace_id":"…",…`), cached per span, or
 * undefined outside a span. `ctx` (the agent's own store, read directly on a per-record path) defaults to the
 * API's active context.
 */
export function activeTraceFieldsJson(serviceName: string, serviceJson: string, ctx?: Context): string | undefined {
  const span = activeSpan(ctx);
  if (span === undefined) return undefined;
  let json = jsonCache.get(span);
  if (json === undefined) {
    // The span found in `ctx`, not whatever the API's context manager would answer.
    const fields = fieldsOf(span, serviceName);
    json = fields === null ? null
      : `,"trace_id":"${fields.trace_id}","span_id":"${fields.span_id}","trace_flags":"${fields.trace_flags}","service.name":${serviceJson}`;
    jsonCache.set(span, json);
  }
  return json ?? undefined;
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
