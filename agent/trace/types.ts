/**
 * The shape of a finished span as the exporters read it. `Span` (span.ts) implements this directly, so
 * ending a span costs no copy; the OTLP encoders (export/otlp-proto.ts, export/otlp-json.ts) depend only on
 * this interface.
 */
import type { AttributeValue } from '@opentelemetry/api';

/** Plain object; insertion order is the export order. Values follow the OTel API rules. */
export type SpanAttributes = Record<string, AttributeValue | undefined>;

export interface SpanEventRecord {
  name: string;
  /** Epoch time in milliseconds with a fractional part (sub-microsecond precision). */
  time: number;
  attributes: SpanAttributes | undefined;
}

export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  traceState: string | undefined;
  attributes: SpanAttributes | undefined;
}

export interface InstrumentationScope {
  name: string;
  version: string | undefined;
}

export interface ExportSpan {
  /** 32 lower-case hex characters. */
  traceId: string;
  /** 16 lower-case hex characters. */
  spanId: string;
  /** 16 lower-case hex characters, or undefined for a root span. */
  parentSpanId: string | undefined;
  /** W3C tracestate header value, or undefined. */
  traceState: string | undefined;
  /** W3C trace flags (bit 0 = sampled). */
  traceFlags: number;
  name: string;
  /** OpenTelemetry API numbering (INTERNAL=0, SERVER=1, CLIENT=2, PRODUCER=3, CONSUMER=4); encoders add 1 for OTLP. */
  kind: number;
  /** Epoch milliseconds with a fractional part. */
  startTime: number;
  endTime: number;
  attributes: SpanAttributes;
  events: SpanEventRecord[] | undefined;
  links: SpanLinkRecord[] | undefined;
  /** OTel API SpanStatusCode: UNSET=0, OK=1, ERROR=2 (same numbers in OTLP). */
  statusCode: number;
  statusMessage: string | undefined;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  scope: InstrumentationScope;
}

/** Resource attributes, already merged (defaults < OTEL_RESOURCE_ATTRIBUTES < TRACEKIT_*). */
export interface ResourceRecord {
  attributes: SpanAttributes;
}
