// Turns OTLP/JSON-shaped requests (parsed JSON, or protobuf decoded by otlp-proto.mjs) into the flat records the
// stores keep. Attribute values become plain JS values and keep false, 0 and '' (a viewer that drops falsy
// values hides exactly the flags a developer is looking for). Spans without valid ids are rejected one by one,
// so a single bad span does not lose its whole batch.

export class BadRequest extends Error {}

const KIND_NAMES = { SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5 };
const STATUS_NAMES = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const HEX_ID = /^[0-9a-f]+$/i;

/** Converts an OTLP AnyValue into a plain value; an empty AnyValue is null. */
export function plainValue(value) {
  if (value === null || typeof value !== 'object') return value ?? null;
  if ('stringValue' in value) return String(value.stringValue);
  if ('boolValue' in value) return value.boolValue === true || value.boolValue === 'true';
  if ('intValue' in value) return intValue(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return (Array.isArray(value.arrayValue?.values) ? value.arrayValue.values : []).map(plainValue);
  if ('kvlistValue' in value) return attributeObject(value.kvlistValue?.values);
  if ('bytesValue' in value) return String(value.bytesValue);
  return null;
}

function intValue(raw) {
  if (typeof raw === 'number') return raw;
  const text = String(raw);
  const asNumber = Number(text);
  // int64 outside the double-safe range stays a decimal string rather than silently changing.
  return Number.isSafeInteger(asNumber) ? asNumber : text;
}

/** OTLP KeyValue list → { key: value }; non-array input (a sender bug) gives an empty object. */
export function attributeObject(list) {
  const out = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (kv && typeof kv.key === 'string') out[kv.key] = plainValue(kv.value);
  }
  return out;
}

/** A hex id of `bytes` bytes from OTLP/JSON (hex by the spec; base64 tolerated, as some exporters send it). */
export function normaliseId(raw, bytes) {
  if (typeof raw !== 'string' || raw === '') return '';
  if (raw.length === bytes * 2 && HEX_ID.test(raw)) return raw.toLowerCase();
  if (raw.length === Math.ceil(bytes / 3) * 4) {
    const decoded = Buffer.from(raw, 'base64');
    if (decoded.length === bytes) return decoded.toString('hex');
  }
  return '';
}

function nanoString(raw) {
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(Math.trunc(raw));
  if (typeof raw === 'string' && /^\d{1,20}$/.test(raw)) return raw;
  return '0';
}

/** Decimal nanoseconds → [whole milliseconds, remaining nanoseconds]. */
function splitMs(nanos) {
  if (nanos.length <= 6) return [0, Number(nanos)];
  return [Number(nanos.slice(0, -6)), Number(nanos.slice(-6))];
}

function enumValue(raw, names) {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') return names[raw] ?? (Number.isInteger(Number(raw)) ? Number(raw) : 0);
  return 0;
}

function requireArray(body, field) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body must be a JSON object');
  if (!Array.isArray(body[field])) throw new BadRequest(`${field} array required`);
  return body[field];
}

function groups(body, topField, scopeField, itemField, onItem) {
  for (const resourceGroup of requireArray(body, topField)) {
    if (!resourceGroup || typeof resourceGroup !== 'object') continue;
    const resource = attributeObject(resourceGroup.resource?.attributes);
    const service = typeof resource['service.name'] === 'string' && resource['service.name'] !== '' ? resource['service.name'] : 'unknown_service';
    for (const scoped of Array.isArray(resourceGroup[scopeField]) ? resourceGroup[scopeField] : []) {
      if (!scoped || typeof scoped !== 'object') continue;
      const scope = { name: String(scoped.scope?.name ?? ''), version: String(scoped.scope?.version ?? '') };
      for (const item of Array.isArray(scoped[itemField]) ? scoped[itemField] : []) {
        onItem(item, service, resource, scope);
      }
    }
  }
}

/**
 * OTLP trace request → { spans, rejected }.
 * Each span: traceId, spanId, parentSpanId, name, kind, service, startTimeUnixNano, endTimeUnixNano, startMs,
 * durationMs, attributes, events, links, status {code, message}, resource, scope, size (estimated bytes).
 */
export function normaliseTraces(body) {
  const spans = [];
  let rejected = 0;
  groups(body, 'resourceSpans', 'scopeSpans', 'spans', (raw, service, resource, scope) => {
    const span = raw && typeof raw === 'object' ? normaliseSpan(raw, service, resource, scope) : undefined;
    if (span) spans.push(span);
    else rejected++;
  });
  return { spans, rejected };
}

function normaliseSpan(raw, service, resource, scope) {
  const traceId = normaliseId(raw.traceId, 16);
  const spanId = normaliseId(raw.spanId, 8);
  if (traceId === '' || spanId === '' || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  const startTimeUnixNano = nanoString(raw.startTimeUnixNano);
  const endTimeUnixNano = nanoString(raw.endTimeUnixNano);
  const [startWhole, startPart] = splitMs(startTimeUnixNano);
  const [endWhole, endPart] = splitMs(endTimeUnixNano);
  const startMs = startWhole + startPart / 1e6;
  // Whole milliseconds and the nanosecond rest apart: a double cannot hold epoch nanoseconds exactly, and a
  // 50 ms span must not show as 49.9998 ms.
  const durationMs = Math.max(0, endWhole - startWhole + (endPart - startPart) / 1e6);
  const span = {
    traceId,
    spanId,
    parentSpanId: normaliseId(raw.parentSpanId, 8),
    name: typeof raw.name === 'string' ? raw.name : String(raw.name ?? ''),
    kind: enumValue(raw.kind, KIND_NAMES),
    service,
    startTimeUnixNano,
    endTimeUnixNano,
    startMs,
    durationMs,
    attributes: attributeObject(raw.attributes),
    events: (Array.isArray(raw.events) ? raw.events : []).filter(Boolean).map((event) => ({
      name: String(event.name ?? ''),
      timeUnixNano: nanoString(event.timeUnixNano),
      attributes: attributeObject(event.attributes),
    })),
    links: (Array.isArray(raw.links) ? raw.links : []).filter(Boolean).map((link) => ({
      traceId: normaliseId(link.traceId, 16),
      spanId: normaliseId(link.spanId, 8),
      attributes: attributeObject(link.attributes),
    })),
    status: { code: enumValue(raw.status?.code, STATUS_NAMES), message: String(raw.status?.message ?? '') },
    resource,
    scope,
    size: 0,
  };
  span.size = estimateSize(span);
  return span;
}

/** A cheap estimate of what a record costs in memory: string lengths plus a fixed overhead per value. */
export function estimateSize(value) {
  if (typeof value === 'string') return 16 + value.length * 2;
  if (value === null || typeof value !== 'object') return 8;
  let total = 32;
  if (Array.isArray(value)) {
    for (const item of value) total += estimateSize(item);
    return total;
  }
  for (const key in value) {
    // The resource object is shared by every span of its batch; count it once per span anyway, as an upper bound.
    total += 16 + key.length * 2 + estimateSize(value[key]);
  }
  return total;
}

/** OTLP metrics (TraceKit's JSON or any OTLP exporter's) → points: { name, type, service, attributes, timeMs, value, unit }. */
export function normaliseMetrics(body) {
  const points = [];
  groups(body, 'resourceMetrics', 'scopeMetrics', 'metrics', (metric, service) => {
    if (!metric || typeof metric !== 'object' || typeof metric.name !== 'string' || metric.name === '') return;
    const unit = typeof metric.unit === 'string' ? metric.unit : '';
    for (const [type, field, valueOf] of METRIC_TYPES) {
      const dataPoints = metric[field]?.dataPoints;
      if (!Array.isArray(dataPoints)) continue;
      const kind = type === 'sum' && metric.sum.isMonotonic === false ? 'updown' : type;
      for (const point of dataPoints) {
        if (!point || typeof point !== 'object') continue;
        const value = valueOf(point);
        if (!Number.isFinite(value)) continue;
        const timeMs = Number(nanoString(point.timeUnixNano)) / 1e6 || Date.now();
        points.push({ name: metric.name, type: kind, service, unit, attributes: attributeObject(point.attributes), timeMs, value });
      }
    }
  });
  return points;
}

const numberValue = (point) => (point.asDouble !== undefined ? Number(point.asDouble) : Number(point.asInt));
// A distribution is charted by its mean, the one number that reads well on a line chart.
const meanValue = (point) => (Number(point.count) > 0 ? Number(point.sum) / Number(point.count) : Number.NaN);
const METRIC_TYPES = [
  ['gauge', 'gauge', numberValue],
  ['sum', 'sum', numberValue],
  ['histogram', 'histogram', meanValue],
  ['histogram', 'exponentialHistogram', meanValue],
  ['summary', 'summary', meanValue],
];

const SEVERITY_NAMES = { SEVERITY_NUMBER_TRACE: 1, SEVERITY_NUMBER_DEBUG: 5, SEVERITY_NUMBER_INFO: 9, SEVERITY_NUMBER_WARN: 13, SEVERITY_NUMBER_ERROR: 17, SEVERITY_NUMBER_FATAL: 21 };

/** OTLP logs → records: { timeMs, severityNumber, severityText, body, attributes, traceId, spanId, service }. */
export function normaliseLogs(body) {
  const records = [];
  groups(body, 'resourceLogs', 'scopeLogs', 'logRecords', (raw, service) => {
    if (!raw || typeof raw !== 'object') return;
    const time = nanoString(raw.timeUnixNano) !== '0' ? nanoString(raw.timeUnixNano) : nanoString(raw.observedTimeUnixNano);
    const record = {
      timeMs: Number(time) / 1e6 || Date.now(),
      severityNumber: enumValue(raw.severityNumber, SEVERITY_NAMES),
      severityText: typeof raw.severityText === 'string' ? raw.severityText : '',
      body: plainValue(raw.body),
      attributes: attributeObject(raw.attributes),
      traceId: normaliseId(raw.traceId, 16),
      spanId: normaliseId(raw.spanId, 8),
      service,
      size: 0,
    };
    record.size = estimateSize(record);
    records.push(record);
  });
  return records;
}
