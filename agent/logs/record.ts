/**
 * A log record as the agent exports it (OTLP logs): taken from what the logging library was asked to write, never
 * a reference to the app's own objects (attributes are copied, primitives only), so a queued record keeps nothing
 * of the app alive and cannot see later changes to the app's objects.
 */
export interface LogRecord {
  /** Epoch milliseconds. */
  readonly time: number;
  /** OTLP SeverityNumber: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL. */
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly flags: number;
  /** `pino`, `winston` or `bunyan`: the OTLP instrumentation scope of the record. */
  readonly library: string;
}

export interface LogRecordSink {
  /** Must never block or throw: the record is queued (or dropped and counted when the queue is full). */
  emit(record: LogRecord): void;
}

// Attributes beyond this many are dropped: a record is a line of text, not a data dump.
const MAX_ATTRIBUTES = 32;
const MAX_STRING = 4096;

/** Primitive own enumerable fields of `fields`, except `skip`; long strings truncated. */
export function copyAttributes(fields: unknown, skip: ReadonlySet<string>): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  if (fields == null || typeof fields !== 'object') return attributes;
  let count = 0;
  for (const key of Object.keys(fields)) {
    if (skip.has(key)) continue;
    let value: unknown;
    try {
      value = (fields as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof value === 'string') attributes[key] = value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
    else if (typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
    else continue;
    if (++count >= MAX_ATTRIBUTES) break;
  }
  return attributes;
}

/** pino and bunyan levels (10 trace … 60 fatal) as OTLP severity numbers. */
export function severityFromNumericLevel(level: number): { number: number; text: string } {
  if (level >= 60) return { number: 21, text: 'FATAL' };
  if (level >= 50) return { number: 17, text: 'ERROR' };
  if (level >= 40) return { number: 13, text: 'WARN' };
  if (level >= 30) return { number: 9, text: 'INFO' };
  if (level >= 20) return { number: 5, text: 'DEBUG' };
  return { number: 1, text: 'TRACE' };
}

const NAMED_LEVELS: Record<string, { number: number; text: string }> = {
  silly: { number: 1, text: 'TRACE' },
  trace: { number: 1, text: 'TRACE' },
  debug: { number: 5, text: 'DEBUG' },
  verbose: { number: 6, text: 'DEBUG' },
  http: { number: 7, text: 'DEBUG' },
  info: { number: 9, text: 'INFO' },
  notice: { number: 10, text: 'INFO' },
  warn: { number: 13, text: 'WARN' },
  warning: { number: 13, text: 'WARN' },
  error: { number: 17, text: 'ERROR' },
  crit: { number: 21, text: 'FATAL' },
  alert: { number: 22, text: 'FATAL' },
  emerg: { number: 23, text: 'FATAL' },
};

/** winston's level names (npm and syslog sets) as OTLP severities; unknown names are INFO. */
export function severityFromName(level: unknown): { number: number; text: string } {
  return (typeof level === 'string' ? NAMED_LEVELS[level.toLowerCase()] : undefined) ?? { number: 9, text: 'INFO' };
}

/** A record for the exporter, joined to the active span's fields when there is one. */
export function logRecord(
  library: string,
  severity: { number: number; text: string },
  body: string,
  attributes: Readonly<Record<string, string | number | boolean>>,
  fields: { trace_id: string; span_id: string; trace_flags: string } | undefined,
  time = Date.now(),
): LogRecord {
  return {
    time,
    severityNumber: severity.number,
    severityText: severity.text,
    body,
    attributes,
    traceId: fields?.trace_id,
    spanId: fields?.span_id,
    flags: fields?.trace_flags === '01' ? 1 : 0,
    library,
  };
}
