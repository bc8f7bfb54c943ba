/**
 * OTLP/JSON encoding of spans (the form the TraceKit Local UI ingests): built by string concatenation, which V8 turns
 * into a rope and flattens once, instead of an intermediate object tree for JSON.stringify.
 *
 * Per the OTLP/JSON rules: ids are lower-case hex, 64-bit integers (times, intValue) are decimal strings, enums
 * (kind, status code) are integers.
 */
import type { ExportSpan, InstrumentationScope, ResourceRecord, SpanAttributes } from '../trace/types.js';

// `{"key":<escaped key>,"value":` per attribute key; bounded for the same reason as the protobuf key cache.
const MAX_CACHED_KEYS = 2048;
const keyCache = new Map<string, string>();

function keyPrefix(key: string): string {
  let prefix = keyCache.get(key);
  if (prefix === undefined) {
    prefix = '{"key":' + JSON.stringify(key) + ',"value":';
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    keyCache.set(key, prefix);
  }
  return prefix;
}

/**
 * Epoch milliseconds with a fraction → exact decimal nanoseconds, without BigInt: whole seconds and a 9-digit
 * remainder, each exact in a double.
 */
export function nanosFromMillis(millis: number): string {
  if (!(millis > 0)) return '0';
  const wholeMs = Math.floor(millis);
  let seconds = Math.floor(wholeMs / 1000);
  let nanos = (wholeMs - seconds * 1000) * 1e6 + Math.round((millis - wholeMs) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  if (seconds === 0) return '' + nanos;
  const digits = '' + nanos;
  return seconds + '000000000'.slice(digits.length) + digits;
}

function doubleJson(value: number): string {
  if (Number.isFinite(value)) return '' + value;
  // JSON has no NaN/Infinity literals; the proto3 JSON mapping spells them as strings.
  return value > 0 ? '"Infinity"' : value < 0 ? '"-Infinity"' : '"NaN"';
}

/** An AnyValue object, or undefined for values OTLP cannot carry. */
function anyValueJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return '{"stringValue":' + JSON.stringify(value) + '}';
    case 'number':
      return Number.isSafeInteger(value)
        ? '{"intValue":"' + value + '"}'
        : '{"doubleValue":' + doubleJson(value) + '}';
    case 'boolean':
      return value ? '{"boolValue":true}' : '{"boolValue":false}';
    default: {
      if (!Array.isArray(value)) return undefined;
      let out = '{"arrayValue":{"values":[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) out += ',';
        // null/undefined items stay in place as an empty AnyValue, as OTel does.
        out += anyValueJson(value[i]) ?? '{}';
      }
      return out + ']}}';
    }
  }
}

function attributesJson(attributes: SpanAttributes): string {
  let out = '[';
  let first = true;
  // Plain objects built by the agent: no enumerable inherited keys, so for-in needs no hasOwnProperty filter.
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const any = anyValueJson(value);
    if (any === undefined) continue;
    out += (first ? '' : ',') + keyPrefix(key) + any + '}';
    first = false;
  }
  return out + ']';
}

function spanJson(span: ExportSpan): string {
  let out =
    '{"traceId":"' + span.traceId + '","spanId":"' + span.spanId + '"';
  if (span.parentSpanId) out += ',"parentSpanId":"' + span.parentSpanId + '"';
  if (span.traceState) out += ',"traceState":' + JSON.stringify(span.traceState);
  out +=
    ',"flags":' + (span.traceFlags & 0xff) +
    ',"name":' + JSON.stringify(span.name) +
    ',"kind":' + (span.kind + 1) +
    ',"startTimeUnixNano":"' + nanosFromMillis(span.startTime) +
    '","endTimeUnixNano":"' + nanosFromMillis(span.endTime) +
    '","attributes":' + attributesJson(span.attributes);
  if (span.droppedAttributesCount > 0) out += ',"droppedAttributesCount":' + span.droppedAttributesCount;

  // events and links are always present, as in OTel's JSON, for consumers that iterate them unguarded.
  out += ',"events":[';
  const events = span.events;
  if (events !== undefined) {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      out +=
        (i > 0 ? ',' : '') +
        '{"timeUnixNano":"' + nanosFromMillis(event.time) +
        '","name":' + JSON.stringify(event.name) +
        ',"attributes":' + (event.attributes !== undefined ? attributesJson(event.attributes) : '[]') +
        '}';
    }
  }
  out += ']';
  if (span.droppedEventsCount > 0) out += ',"droppedEventsCount":' + span.droppedEventsCount;

  out += ',"links":[';
  const links = span.links;
  if (links !== undefined) {
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      out += (i > 0 ? ',' : '') + '{"traceId":"' + link.traceId + '","spanId":"' + link.spanId + '"';
      if (link.traceState) out += ',"traceState":' + JSON.stringify(link.traceState);
      out += ',"attributes":' + (link.attributes !== undefined ? attributesJson(link.attributes) : '[]') + '}';
    }
  }
  out += '],"status":{"code":' + (span.statusCode | 0);
  if (span.statusMessage) out += ',"message":' + JSON.stringify(span.statusMessage);
  return out + '}}';
}

function sameScope(a: InstrumentationScope, b: InstrumentationScope): boolean {
  return a === b || (a.name === b.name && (a.version || '') === (b.version || ''));
}

function scopeSpansJson(scope: InstrumentationScope, spans: string): string {
  let out = '{"scope":{"name":' + JSON.stringify(scope.name);
  if (scope.version) out += ',"version":' + JSON.stringify(scope.version);
  return out + '},"spans":[' + spans + ']}';
}

export function encodeTraceRequestJson(resource: ResourceRecord, spans: readonly ExportSpan[]): string {
  // Scope groups in first-seen order; usually a single one.
  const scopes: InstrumentationScope[] = [];
  const bodies: string[] = [];
  let last = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if (scopes.length === 0 || !sameScope(span.scope, scopes[last]!)) {
      last = -1;
      for (let g = 0; g < scopes.length; g++) {
        if (sameScope(span.scope, scopes[g]!)) {
          last = g;
          break;
        }
      }
      if (last === -1) {
        last = scopes.length;
        scopes.push(span.scope);
        bodies.push('');
      }
    }
    const body = bodies[last]!;
    bodies[last] = body === '' ? spanJson(span) : body + ',' + spanJson(span);
  }

  let out = '{"resourceSpans":[{"resource":{"attributes":' + attributesJson(resource.attributes) + '},"scopeSpans":[';
  for (let g = 0; g < scopes.length; g++) {
    out += (g > 0 ? ',' : '') + scopeSpansJson(scopes[g]!, bodies[g]!);
  }
  return out + ']}]}';
}
