/**
 * OTLP/JSON encoding of log records (`ExportLogsServiceRequest`), grouped by the library that wrote them (the
 * instrumentation scope). Ids are lower-case hex, times decimal nanosecond strings, as the OTLP/JSON rules say.
 */
import { nanosFromMillis } from '../export/otlp-json.js';
import type { ResourceRecord } from '../trace/types.js';
import type { LogRecord } from './record.js';

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(value: unknown): AnyValue {
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: String(value) };
}

function keyValues(attributes: Readonly<Record<string, unknown>>): { key: string; value: AnyValue }[] {
  const list: { key: string; value: AnyValue }[] = [];
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value !== undefined && value !== null) list.push({ key, value: anyValue(value) });
  }
  return list;
}

export function encodeLogsRequestJson(resource: ResourceRecord, records: readonly LogRecord[], scopeVersion: string): string {
  const byLibrary = new Map<string, LogRecord[]>();
  for (const record of records) {
    let list = byLibrary.get(record.library);
    if (list === undefined) byLibrary.set(record.library, (list = []));
    list.push(record);
  }
  const scopeLogs = [...byLibrary].map(([library, list]) => ({
    scope: { name: `@tracekit/agent/${library}`, version: scopeVersion },
    logRecords: list.map((record) => ({
      timeUnixNano: nanosFromMillis(record.time),
      observedTimeUnixNano: nanosFromMillis(record.time),
      severityNumber: record.severityNumber,
      severityText: record.severityText,
      body: { stringValue: record.body },
      attributes: keyValues(record.attributes),
      ...(record.traceId !== undefined ? { traceId: record.traceId, spanId: record.spanId, flags: record.flags } : {}),
    })),
  }));
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: keyValues(resource.attributes) }, scopeLogs }] });
}
