/**
 * OTLP/JSON encoding of spans (the form the TraceKit Local UI ingests), built by string concatenation one span at a
 * time instead of as an object tree for JSON.stringify.
 *
 * Per the OTLP/JSON rules: ids are lower-case hex, 64-bit integers (times, intValue) are decimal strings, enums
 * (kind, status code) are integers.
 */
import type { ExportSpan, InstrumentationScope, ResourceRecord, SpanAttributes } from '../trace/types.js';
import { ScopeGroups, listEncoder } from './scope-groups.js';

// Printable ASCII other than `"` and `\` needs no escaping; testing for that and concatenating quotes is 2-3x faster
// than JSON.stringify (Node 20), which stays the path for everything else (control characters, non-ASCII, lone
// surrogates).
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quote(value: string): string {
  return PLAIN_JSON_STRING.test(value) ? '"' + value + '"' : JSON.stringify(value);
}

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
      return '{"stringValue":' + quote(value) + '}';
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
  let out = '{"traceId":"' + span.traceId + '","spanId":"' + span.spanId + '"';
  if (span.parentSpanId) out += ',"parentSpanId":"' + span.parentSpanId + '"';
  if (span.traceState) out += ',"traceState":' + quote(span.traceState);
  out +=
    ',"flags":' + (span.traceFlags & 0xff) +
    ',"name":' + quote(span.name) +
    ',"kind":' + ((span.kind + 1) | 0) +
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
        '","name":' + quote(event.name) +
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
      if (link.traceState) out += ',"traceState":' + quote(link.traceState);
      out += ',"attributes":' + (link.attributes !== undefined ? attributesJson(link.attributes) : '[]') + '}';
    }
  }
  out += '],"status":{"code":' + (span.statusCode | 0);
  if (span.statusMessage) out += ',"message":' + quote(span.statusMessage);
  return out + '}}';
}

function encodeScopeHead(scope: InstrumentationScope): Uint8Array {
  let head = '{"scope":{"name":' + quote(scope.name);
  if (scope.version) head += ',"version":' + quote(scope.version);
  return Buffer.from(head + '},"spans":[', 'utf8');
}

const COMMA = 0x2c;
const SCOPE_END = Buffer.from(']}');

/**
 * The spans of one batch as OTLP/JSON bytes: each span is encoded as it is added, into the group of its scope;
 * `seal()` returns the whole request and starts an empty batch.
 */
export class JsonSpanBatch {
  readonly format = 'http/json' as const;
  private readonly groups = new ScopeGroups(encodeScopeHead);
  private readonly opening: Buffer;
  private readonly closing = Buffer.from(']}]}');

  constructor(resource: ResourceRecord) {
    this.opening = Buffer.from('{"resourceSpans":[{"resource":{"attributes":' + attributesJson(resource.attributes) + '},"scopeSpans":[', 'utf8');
  }

  add(span: ExportSpan): void {
    const json = spanJson(span); // built whole before anything is written: a span that throws leaves no trace
    const w = this.groups.writerFor(span.scope);
    if (w.pos > 0) w.byte(COMMA);
    w.rawUtf8(json);
  }

  seal(): Uint8Array {
    const groups = this.groups.filled();
    let length = this.opening.length + this.closing.length;
    for (let g = 0; g < groups.length; g++) length += (g > 0 ? 1 : 0) + groups[g]!.head.length + groups[g]!.writer.pos + SCOPE_END.length;
    const out = Buffer.allocUnsafe(length);
    let pos = this.opening.copy(out, 0);
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      if (g > 0) out[pos++] = COMMA;
      out.set(group.head, pos);
      pos += group.head.length;
      pos += group.writer.buf.copy(out, pos, 0, group.writer.pos);
      pos += SCOPE_END.copy(out, pos);
    }
    this.closing.copy(out, pos);
    this.groups.clear();
    return out;
  }
}

/** One request holding `spans` as UTF-8 JSON bytes. */
export const encodeTraceRequestJsonBytes = listEncoder((resource) => new JsonSpanBatch(resource));

/** The same request as a string. */
export function encodeTraceRequestJson(resource: ResourceRecord, spans: readonly ExportSpan[]): string {
  const bytes = encodeTraceRequestJsonBytes(resource, spans);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}
