/**
 * OTLP/protobuf encoding of spans: `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`, written
 * straight from `ExportSpan`s into reused buffers. By hand because this runs once for every span the app makes:
 * OTel's serializer was measured at ~4.3 µs per span, this at ~1.3 µs (bench/encode.mjs).
 *
 * Fields follow opentelemetry-proto's trace.proto and common.proto; defaults (0, '') are omitted as proto3 allows.
 */
import type { ExportSpan, InstrumentationScope, ResourceRecord, SpanAttributes } from '../trace/types.js';
import { Fragment, ProtoWriter, SHORT_STRING, putVarint, utf8, varintSize } from './proto-writer.js';
import { ScopeGroups, listEncoder } from './scope-groups.js';

// Pre-computed tags, (field << 3) | wire type. Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
const REQUEST_RESOURCE_SPANS = 0x0a; // 1, LEN
const RESOURCE_SPANS_RESOURCE = 0x0a; // 1, LEN
const RESOURCE_SPANS_SCOPE_SPANS = 0x12; // 2, LEN
const RESOURCE_ATTRIBUTES = 0x0a; // 1, LEN
const SCOPE_SPANS_SCOPE = 0x0a; // 1, LEN
const SCOPE_SPANS_SPANS = 0x12; // 2, LEN
const SCOPE_NAME = 0x0a; // 1, LEN
const SCOPE_VERSION = 0x12; // 2, LEN
const SPAN_TRACE_ID = 0x0a; // 1, LEN
const SPAN_SPAN_ID = 0x12; // 2, LEN
const SPAN_TRACE_STATE = 0x1a; // 3, LEN
const SPAN_PARENT_SPAN_ID = 0x22; // 4, LEN
const SPAN_NAME = 0x2a; // 5, LEN
const SPAN_KIND = 0x30; // 6, VARINT
const SPAN_START_TIME = 0x39; // 7, I64
const SPAN_END_TIME = 0x41; // 8, I64
const SPAN_ATTRIBUTES = 0x4a; // 9, LEN
const SPAN_DROPPED_ATTRIBUTES = 0x50; // 10, VARINT
const SPAN_EVENTS = 0x5a; // 11, LEN
const SPAN_DROPPED_EVENTS = 0x60; // 12, VARINT
const SPAN_LINKS = 0x6a; // 13, LEN
const SPAN_STATUS = 0x7a; // 15, LEN
const SPAN_FLAGS_TAG_0 = 0x85; // 16, I32: (16 << 3 | 5) = 133 needs a two-byte varint
const SPAN_FLAGS_TAG_1 = 0x01;
const EVENT_TIME = 0x09; // 1, I64
const EVENT_NAME = 0x12; // 2, LEN
const EVENT_ATTRIBUTES = 0x1a; // 3, LEN
const LINK_TRACE_ID = 0x0a; // 1, LEN
const LINK_SPAN_ID = 0x12; // 2, LEN
const LINK_TRACE_STATE = 0x1a; // 3, LEN
const LINK_ATTRIBUTES = 0x22; // 4, LEN
const STATUS_MESSAGE = 0x12; // 2, LEN
const STATUS_CODE = 0x18; // 3, VARINT
const KEY_VALUE_VALUE = 0x12; // 2, LEN
const ANY_STRING = 0x0a; // 1, LEN
const ANY_BOOL = 0x10; // 2, VARINT
const ANY_INT = 0x18; // 3, VARINT
const ANY_DOUBLE = 0x21; // 4, I64
const ANY_ARRAY = 0x2a; // 5, LEN
const ARRAY_VALUES = 0x0a; // 1, LEN

// KeyValue.key (tag + length + UTF-8) per attribute key. Keys are a small, fixed vocabulary in practice; the bound
// only protects against instrumentations that put ids into keys.
const MAX_CACHED_KEYS = 2048;
const keyCache = new Map<string, Fragment>();

function encodedKey(key: string): Fragment {
  let fragment = keyCache.get(key);
  if (fragment === undefined) {
    const text = utf8(key);
    const bytes = new Uint8Array(1 + varintSize(text.length) + text.length);
    bytes[0] = 0x0a; // KeyValue.key: 1, LEN
    bytes.set(text, putVarint(bytes, 1, text.length));
    fragment = new Fragment(bytes);
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    keyCache.set(key, fragment);
  }
  return fragment;
}

function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.byte(ANY_STRING);
      w.string(value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) {
        w.byte(ANY_INT);
        w.int64(value);
      } else {
        w.byte(ANY_DOUBLE);
        w.double(value);
      }
      return;
    case 'boolean':
      w.byte(ANY_BOOL);
      w.byte(value ? 1 : 0);
      return;
    default:
      if (Array.isArray(value)) {
        w.byte(ANY_ARRAY);
        const array = w.fork(1);
        for (let i = 0; i < value.length; i++) {
          w.byte(ARRAY_VALUES);
          const item = w.fork(1);
          // null/undefined items stay in place as an empty AnyValue, as OTel does, so indexes keep their meaning.
          writeAnyValue(w, value[i]);
          w.join(item, 1);
        }
        w.join(array, 1);
      }
  }
}

function int64Size(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/**
 * KeyValue with a scalar value, sizes computed up front so no length needs patching; strings are assumed ASCII (one
 * byte per UTF-16 unit) and re-written through the generic path if that proves wrong. Returns false for values it
 * does not handle.
 */
function writeScalarKeyValue(w: ProtoWriter, tag: number, key: Fragment, value: unknown): boolean {
  const keyLength = key.bytes.length;
  let anyLength: number;
  let stringLength = 0;
  switch (typeof value) {
    case 'string':
      stringLength = value.length;
      anyLength = 1 + varintSize(stringLength) + stringLength;
      break;
    case 'number':
      anyLength = Number.isSafeInteger(value) ? 1 + int64Size(value) : 9;
      break;
    case 'boolean':
      anyLength = 2;
      break;
    default:
      return false;
  }
  const kvLength = keyLength + 1 + varintSize(anyLength) + anyLength;
  w.ensure(kvLength + 5 + stringLength * 2);
  const start = w.pos;
  const buf = w.buf;
  buf[start] = tag;
  w.pos = putVarint(buf, start + 1, kvLength);
  w.fragment(key);
  let pos = w.pos;
  buf[pos++] = KEY_VALUE_VALUE;
  buf[pos++] = anyLength; // < 128 except for long strings, which re-write it below
  if (typeof value === 'string') {
    if (anyLength >= 0x80) pos = putVarint(buf, pos - 1, anyLength);
    buf[pos++] = ANY_STRING;
    pos = putVarint(buf, pos, stringLength);
    if (stringLength < SHORT_STRING) {
      for (let i = 0; i < stringLength; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) return writeGenericKeyValue(w, start, tag, key, value);
        buf[pos++] = c;
      }
    } else {
      if (buf.write(value, pos, 'utf8') !== stringLength) return writeGenericKeyValue(w, start, tag, key, value);
      pos += stringLength;
    }
    w.pos = pos;
  } else if (typeof value === 'number') {
    w.pos = pos;
    writeAnyValue(w, value);
  } else {
    buf[pos++] = ANY_BOOL;
    buf[pos++] = value ? 1 : 0;
    w.pos = pos;
  }
  return true;
}

function writeGenericKeyValue(w: ProtoWriter, start: number, tag: number, key: Fragment, value: unknown): true {
  w.pos = start;
  w.byte(tag);
  const kv = w.fork(1);
  w.fragment(key);
  w.byte(KEY_VALUE_VALUE);
  const any = w.fork(1);
  writeAnyValue(w, value);
  w.join(any, 1);
  w.join(kv, 1);
  return true;
}

// The key seen at each attribute position last time, and the value seen there with its whole encoded KeyValue once
// it has repeated. Spans from one instrumentation set their attributes in the same order, and most values repeat
// from span to span (`db.system.name`, the server's address and port, a statement, the method, the status): a
// repeat is then one pointer comparison and one copy instead of sizing and writing key and value. A value that
// changes every time (a URL, a user agent) costs one comparison and one store; nothing is allocated until a value
// is seen twice in a row.
//
// One bank of slots per kind of span (instrumentation scope and span kind), not one for all: a request's SERVER
// span and its CLIENT and database spans reach the encoder interleaved, and a shared bank saw a different key at
// almost every slot of every span. Measured with callgrind on a handler with one fetch per request (Node 24), the
// attribute encoder took 20,567 instructions per request with one shared bank and 12,499 with a bank per kind.
// Each bank serves one field (span, event, link or resource attributes), so it needs no note of the tag.
const MEMO_SLOTS = 64;
const MAX_MEMO_BYTES = 128;
const EMPTY_FRAGMENT = new Fragment(new Uint8Array(0));

class MemoBank {
  owner: unknown = undefined;
  kind = -1;
  readonly keys: (string | undefined)[] = new Array<string | undefined>(MEMO_SLOTS).fill(undefined);
  readonly fragments: Fragment[] = new Array<Fragment>(MEMO_SLOTS).fill(EMPTY_FRAGMENT);
  readonly values: unknown[] = new Array<unknown>(MEMO_SLOTS).fill(undefined);
  readonly encoded: (Fragment | undefined)[] = new Array<Fragment | undefined>(MEMO_SLOTS).fill(undefined);

  /** Given to another kind of span: what it remembered would only miss. */
  reset(owner: unknown, kind: number): void {
    this.owner = owner;
    this.kind = kind;
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.encoded.fill(undefined);
  }
}

// A handful of kinds of span is what an app makes (SERVER, http and fetch CLIENT, one or two databases, manual
// spans); beyond that the least recently claimed bank is given to the new kind.
const SPAN_BANKS = 8;
const spanBanks: MemoBank[] = Array.from({ length: SPAN_BANKS }, () => new MemoBank());
let nextSpanBank = 0;
let lastSpanBank = spanBanks[0]!;
// Events, links and the resource have attributes of their own kinds.
const eventBank = new MemoBank();
const linkBank = new MemoBank();
const resourceBank = new MemoBank();

function spanBank(scope: unknown, kind: number): MemoBank {
  // Consecutive spans of one kind are common (a burst of queries): checked first.
  if (lastSpanBank.owner === scope && lastSpanBank.kind === kind) return lastSpanBank;
  for (let i = 0; i < SPAN_BANKS; i++) {
    const bank = spanBanks[i]!;
    if (bank.owner === scope && bank.kind === kind) return (lastSpanBank = bank);
  }
  const bank = spanBanks[nextSpanBank]!;
  nextSpanBank = (nextSpanBank + 1) % SPAN_BANKS;
  bank.reset(scope, kind);
  return (lastSpanBank = bank);
}

function writeAttributes(w: ProtoWriter, attributes: SpanAttributes, tag: number, bank: MemoBank): void {
  const { keys, fragments, values, encoded: encodedValues } = bank;
  let slot = 0;
  // Plain objects built by the agent: no enumerable inherited keys, so for-in needs no hasOwnProperty filter.
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (slot >= MEMO_SLOTS) {
      writeKeyValue(w, tag, encodedKey(key), value);
      continue;
    }
    let encoded: Fragment;
    if (keys[slot] === key) {
      if (value === values[slot] && typeof value !== 'object') {
        const whole = encodedValues[slot];
        if (whole !== undefined) {
          w.fragment(whole);
        } else {
          // Seen twice in a row: keep its encoding for the next time.
          const start = w.pos;
          writeKeyValue(w, tag, fragments[slot]!, value);
          // A copy: `Buffer#slice` would share the writer's memory.
          if (w.pos - start <= MAX_MEMO_BYTES) encodedValues[slot] = new Fragment(new Uint8Array(w.buf.subarray(start, w.pos)));
        }
        slot++;
        continue;
      }
      encoded = fragments[slot]!;
    } else {
      encoded = encodedKey(key);
      keys[slot] = key;
      fragments[slot] = encoded;
    }
    values[slot] = value;
    encodedValues[slot] = undefined;
    slot++;
    writeKeyValue(w, tag, encoded, value);
  }
}

function writeKeyValue(w: ProtoWriter, tag: number, encoded: Fragment, value: unknown): void {
  if (!writeScalarKeyValue(w, tag, encoded, value) && Array.isArray(value)) {
    writeGenericKeyValue(w, w.pos, tag, encoded, value);
  }
}

/**
 * An id field that consecutive spans repeat: a request's spans share its trace id, and the children of one span
 * its span id as their parent id. The last one stays encoded (tag, length and bytes), so a repeat costs a copy of
 * 18 bytes instead of decoding 32 hex digits (~1,000 instructions). The same id is usually the same string object,
 * so the comparison is one pointer check; a miss costs the copy into the cache.
 */
class RepeatedIdField {
  private hex = '';
  private readonly bytes = new Uint8Array(18);
  private length = 0;

  constructor(private readonly tag: number) {}

  write(w: ProtoWriter, hex: string): void {
    if (hex === this.hex) {
      w.raw(this.length === 18 ? this.bytes : this.bytes.subarray(0, this.length));
      return;
    }
    const start = w.pos;
    w.byte(this.tag);
    w.hexBytes(hex);
    const length = w.pos - start;
    if (length > 18) return;
    const buf = w.buf;
    for (let i = 0; i < length; i++) this.bytes[i] = buf[start + i]!;
    this.length = length;
    this.hex = hex;
  }
}

const traceIdField = new RepeatedIdField(SPAN_TRACE_ID);
const parentIdField = new RepeatedIdField(SPAN_PARENT_SPAN_ID);

function writeSpan(w: ProtoWriter, span: ExportSpan): void {
  w.byte(SCOPE_SPANS_SPANS);
  const start = w.fork(2);
  traceIdField.write(w, span.traceId);
  w.byte(SPAN_SPAN_ID);
  w.hexBytes(span.spanId);
  if (span.traceState) {
    w.byte(SPAN_TRACE_STATE);
    w.string(span.traceState);
  }
  if (span.parentSpanId) parentIdField.write(w, span.parentSpanId);
  w.byte(SPAN_NAME);
  w.string(span.name);
  w.byte(SPAN_KIND);
  w.uint32(span.kind + 1);
  w.byte(SPAN_START_TIME);
  w.fixed64TimeFromMillis(span.startTime);
  w.byte(SPAN_END_TIME);
  w.fixed64TimeFromMillis(span.endTime);
  writeAttributes(w, span.attributes, SPAN_ATTRIBUTES, spanBank(span.scope, span.kind));
  if (span.droppedAttributesCount > 0) {
    w.byte(SPAN_DROPPED_ATTRIBUTES);
    w.uint32(span.droppedAttributesCount);
  }
  const events = span.events;
  if (events !== undefined) {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      w.byte(SPAN_EVENTS);
      const e = w.fork(2);
      w.byte(EVENT_TIME);
      w.fixed64TimeFromMillis(event.time);
      w.byte(EVENT_NAME);
      w.string(event.name);
      if (event.attributes !== undefined) writeAttributes(w, event.attributes, EVENT_ATTRIBUTES, eventBank);
      w.join(e, 2);
    }
  }
  if (span.droppedEventsCount > 0) {
    w.byte(SPAN_DROPPED_EVENTS);
    w.uint32(span.droppedEventsCount);
  }
  const links = span.links;
  if (links !== undefined) {
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      w.byte(SPAN_LINKS);
      const l = w.fork(1);
      w.byte(LINK_TRACE_ID);
      w.hexBytes(link.traceId);
      w.byte(LINK_SPAN_ID);
      w.hexBytes(link.spanId);
      if (link.traceState) {
        w.byte(LINK_TRACE_STATE);
        w.string(link.traceState);
      }
      if (link.attributes !== undefined) writeAttributes(w, link.attributes, LINK_ATTRIBUTES, linkBank);
      w.join(l, 1);
    }
  }
  // Status is always present (even UNSET) so decoders see the same message OTel's exporter sends.
  w.byte(SPAN_STATUS);
  const status = w.fork(1);
  if (span.statusMessage) {
    w.byte(STATUS_MESSAGE);
    w.string(span.statusMessage);
  }
  if (span.statusCode) {
    w.byte(STATUS_CODE);
    w.uint32(span.statusCode);
  }
  w.join(status, 1);
  const flags = span.traceFlags & 0xff;
  if (flags !== 0) {
    w.byte(SPAN_FLAGS_TAG_0);
    w.byte(SPAN_FLAGS_TAG_1);
    w.fixed32(flags);
  }
  w.join(start, 2);
}

function encodeScopeHead(scope: InstrumentationScope): Uint8Array {
  const w = new ProtoWriter(256);
  w.byte(SCOPE_SPANS_SCOPE);
  const start = w.fork(1);
  w.byte(SCOPE_NAME);
  w.string(scope.name);
  if (scope.version) {
    w.byte(SCOPE_VERSION);
    w.string(scope.version);
  }
  w.join(start, 1);
  return w.finish();
}

/**
 * The spans of one batch as OTLP/protobuf: each span is encoded as it is added (a `ScopeSpans.spans` field in the
 * group of its scope); `seal()` returns the whole `ExportTraceServiceRequest` and starts an empty batch.
 */
export class ProtoSpanBatch {
  readonly format = 'http/protobuf' as const;
  private readonly groups = new ScopeGroups(encodeScopeHead);
  /** `ResourceSpans.resource`, encoded once: the resource never changes. */
  private readonly resourceField: Uint8Array;

  constructor(resource: ResourceRecord) {
    const w = new ProtoWriter(1024);
    w.byte(RESOURCE_SPANS_RESOURCE);
    const start = w.fork(2);
    writeAttributes(w, resource.attributes, RESOURCE_ATTRIBUTES, resourceBank);
    w.join(start, 2);
    this.resourceField = w.finish();
  }

  add(span: ExportSpan): void {
    const w = this.groups.writerFor(span.scope);
    const start = w.pos;
    try {
      writeSpan(w, span);
    } catch (error) {
      w.pos = start; // a span that cannot be encoded leaves no half-written bytes behind
      throw error;
    }
  }

  seal(): Uint8Array {
    const groups = this.groups.filled();
    let resourceSpansLength = this.resourceField.length;
    const scopeLengths: number[] = [];
    for (const group of groups) {
      const length = group.head.length + group.writer.pos;
      scopeLengths.push(length);
      resourceSpansLength += 1 + varintSize(length) + length;
    }
    const out = Buffer.allocUnsafe(1 + varintSize(resourceSpansLength) + resourceSpansLength);
    out[0] = REQUEST_RESOURCE_SPANS;
    let pos = putVarint(out, 1, resourceSpansLength);
    out.set(this.resourceField, pos);
    pos += this.resourceField.length;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      out[pos++] = RESOURCE_SPANS_SCOPE_SPANS;
      pos = putVarint(out, pos, scopeLengths[g]!);
      out.set(group.head, pos);
      pos += group.head.length;
      pos += group.writer.buf.copy(out, pos, 0, group.writer.pos);
    }
    this.groups.clear();
    return out;
  }
}

/** One OTLP/protobuf request holding `spans`. */
export const encodeTraceRequestProto = listEncoder((resource) => new ProtoSpanBatch(resource));
