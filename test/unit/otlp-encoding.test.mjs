// The hand-written OTLP encoders against the official schema and against OpenTelemetry's own serializers fed the same
// spans. Run: node --import tsx --test test/unit/otlp-encoding.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { encodeTraceRequestProto } from '../../agent/export/otlp-proto.ts';
import { encodeTraceRequestJson, encodeTraceRequestJsonBytes } from '../../agent/export/otlp-json.ts';
import { decodeTraceRequest, flattenSpans, ExportTraceServiceRequest } from '../helpers/otlp-decode.mjs';

const require = createRequire(import.meta.url);
const { ProtobufTraceSerializer, JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

const T0 = 1715000000123.5;
let idCounter = 0;
const hex = (n, length) => n.toString(16).padStart(length, '0').slice(-length);
const nextSpanId = () => hex(0x1000000 + ++idCounter * 7919, 16);
const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';

// One scope object per instrumentation, as the agent has: the encoder keeps what repeats per scope and span kind.
const HTTP_SCOPE = { name: '@tracekit/agent/http', version: '0.1.0' };

function span(overrides = {}) {
  return {
    traceId: TRACE_A,
    spanId: nextSpanId(),
    parentSpanId: undefined,
    traceState: undefined,
    traceFlags: 1,
    name: 'GET /users/:id',
    kind: 1,
    startTime: T0,
    endTime: T0 + 12.25,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 },
    events: undefined,
    links: undefined,
    statusCode: 0,
    statusMessage: undefined,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    scope: HTTP_SCOPE,
    ...overrides,
  };
}

const resource = {
  attributes: {
    'service.name': 'users-api',
    'service.version': '1.2.3',
    'telemetry.sdk.language': 'nodejs',
    'process.pid': 4242,
    'service.instance.ready': true,
    'host.load': 0.75,
    'deployment.environment.name': undefined,
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Exact reference for times: the double's exact binary value × 10^6, rounded half up, computed with BigInt.

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function exactNanos(millis) {
  f64[0] = millis;
  const bits = u64[0];
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (exponent === 0 ? 0n : 1n << 52n);
  const shift = BigInt(exponent === 0 ? -1074 : exponent - 1075); // value = mantissa × 2^shift
  const scaled = mantissa * 1_000_000n;
  if (shift >= 0n) return scaled << shift;
  const divisor = 1n << -shift;
  return (scaled * 2n + divisor) / (divisor * 2n);
}

function hrTime(millis) {
  const nanos = exactNanos(millis);
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

// ---------------------------------------------------------------------------------------------------------------
// The same spans as OpenTelemetry ReadableSpans (the fields otlp-transformer 0.223 reads: trace/internal.js and
// trace/protobuf/trace-serializer.js). OTel groups by resource and scope object identity, so both are shared.

function withoutNullish(attributes) {
  const out = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined && value !== null) out[key] = value;
  return out;
}

const traceStateOf = (value) => (value ? { serialize: () => value } : undefined);

function toReadableSpans(resourceRecord, spans) {
  const otelResource = resourceFromAttributes(withoutNullish(resourceRecord.attributes));
  const scopes = new Map();
  return spans.map((s) => {
    const scopeKey = `${s.scope.name}@${s.scope.version ?? ''}`;
    if (!scopes.has(scopeKey)) scopes.set(scopeKey, { name: s.scope.name, version: s.scope.version });
    const context = {
      traceId: s.traceId,
      spanId: s.spanId,
      traceFlags: s.traceFlags,
      traceState: traceStateOf(s.traceState),
      isRemote: false,
    };
    return {
      name: s.name,
      kind: s.kind,
      spanContext: () => context,
      parentSpanContext: s.parentSpanId
        ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: s.traceFlags, isRemote: false }
        : undefined,
      startTime: hrTime(s.startTime),
      endTime: hrTime(s.endTime),
      duration: [0, 0],
      ended: true,
      status: s.statusMessage ? { code: s.statusCode, message: s.statusMessage } : { code: s.statusCode },
      attributes: withoutNullish(s.attributes),
      links: (s.links ?? []).map((link) => ({
        context: {
          traceId: link.traceId,
          spanId: link.spanId,
          traceFlags: 0,
          traceState: traceStateOf(link.traceState),
          isRemote: false,
        },
        attributes: link.attributes ? withoutNullish(link.attributes) : undefined,
        droppedAttributesCount: 0,
      })),
      events: (s.events ?? []).map((event) => ({
        name: event.name,
        time: hrTime(event.time),
        attributes: event.attributes ? withoutNullish(event.attributes) : undefined,
        droppedAttributesCount: 0,
      })),
      droppedAttributesCount: s.droppedAttributesCount,
      droppedEventsCount: s.droppedEventsCount,
      droppedLinksCount: 0,
      resource: otelResource,
      instrumentationScope: scopes.get(scopeKey),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison helpers

const schemaObject = (bytes) =>
  ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), {
    longs: String,
    bytes: String,
    defaults: true,
    arrays: true,
  });

// OTel sets the OTLP "has is_remote" bit (0x100) in span and link flags; our ExportSpan carries only the W3C flags,
// so flags are compared on their low 8 bits.
const w3cFlags = (decoded) =>
  flattenSpans(decoded).map((s) => ({ flags: s.flags & 0xff, links: s.links.map((l) => l.flags & 0xff) }));

function assertProtoMatchesOtel(resourceRecord, spans) {
  const ours = encodeTraceRequestProto(resourceRecord, spans);
  const theirs = ProtobufTraceSerializer.serializeRequest(toReadableSpans(resourceRecord, spans));
  assert.deepStrictEqual(schemaObject(ours), schemaObject(theirs));
  const oursDecoded = decodeTraceRequest(ours, 'application/x-protobuf');
  assert.deepStrictEqual(w3cFlags(oursDecoded), w3cFlags(decodeTraceRequest(theirs, 'application/x-protobuf')));
  return oursDecoded;
}

// OTel's JSON differs from ours only in what OTLP/JSON leaves open: it writes defaults (0, [], absent optionals as
// undefined), intValue as a JSON number, and the is_remote flag bits. Normalise both sides to compare the rest.
const OPTIONAL_KEYS = new Set([
  'droppedAttributesCount',
  'droppedEventsCount',
  'droppedLinksCount',
  'traceState',
  'parentSpanId',
  'message',
  'schemaUrl',
  'version',
  'flags',
]);

function normaliseJson(value) {
  if (Array.isArray(value)) return value.map(normaliseJson);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    let v = item;
    if (key === 'intValue') v = String(v);
    if (key === 'flags') v = v & 0xff;
    if (OPTIONAL_KEYS.has(key) && (v === undefined || v === 0 || v === '')) continue;
    if ((key === 'events' || key === 'links' || key === 'attributes') && Array.isArray(v) && v.length === 0) continue;
    out[key] = normaliseJson(v);
  }
  return out;
}

function assertJsonMatchesOtel(resourceRecord, spans) {
  const ours = encodeTraceRequestJson(resourceRecord, spans);
  const theirs = Buffer.from(JsonTraceSerializer.serializeRequest(toReadableSpans(resourceRecord, spans))).toString();
  assert.deepStrictEqual(normaliseJson(JSON.parse(ours)), normaliseJson(JSON.parse(theirs)));
  assert.equal(Buffer.from(encodeTraceRequestJsonBytes(resourceRecord, spans)).toString('utf8'), ours);
  return decodeTraceRequest(ours, 'application/json');
}

/** Both formats, each against OTel, and against each other through the decode helper. */
function assertBothMatchOtel(resourceRecord, spans) {
  const fromProto = assertProtoMatchesOtel(resourceRecord, spans);
  const fromJson = assertJsonMatchesOtel(resourceRecord, spans);
  assert.deepStrictEqual(fromJson, fromProto);
  return fromProto;
}

// ---------------------------------------------------------------------------------------------------------------

test('values that repeat, change and come back, in spans, events and across traces, encode as OTel does', () => {
  // The proto encoder keeps a repeated value's encoding and the last trace and parent ids: every path (first
  // sight, repeat, change, a key moving to another position, the same key in an event, another trace) must give
  // OTel's bytes.
  const db = (statement, extra = {}) => ({ 'db.system.name': 'postgresql', 'db.query.text': statement, 'server.port': 5432, 'peer.service': 'postgres', ...extra });
  const root = span({ attributes: db('SELECT ?') });
  const spans = [root];
  for (const [i, statement] of ['SELECT ?', 'SELECT ?', 'SELECT ?', 'UPDATE carts SET total = ?', 'SELECT ?', 'SELECT ?'].entries()) {
    spans.push(span({ kind: 3, parentSpanId: root.spanId, name: `query ${i}`, attributes: db(statement, i === 4 ? { 'db.operation.name': 'SELECT' } : {}) }));
  }
  spans.push(span({ kind: 3, parentSpanId: root.spanId, attributes: { 'server.port': 5432, 'db.system.name': 'postgresql', 'db.query.text': 'SELECT ?' } }));
  spans.push(span({ kind: 3, parentSpanId: root.spanId, attributes: db('SELECT ?', { 'db.system.name': 'mysql', flag: true, ratio: 0.5, 'ünïcode': 'wért' }) }));
  spans.push(span({ kind: 3, parentSpanId: root.spanId, attributes: db('SELECT ?'), events: [{ name: 'exception', time: T0 + 1, attributes: db('SELECT ?') }] }));
  const other = span({ traceId: TRACE_B, attributes: db('SELECT ?') });
  spans.push(other, span({ traceId: TRACE_B, kind: 3, parentSpanId: other.spanId, attributes: db('SELECT ?') }));
  spans.push(span({ kind: 3, parentSpanId: root.spanId, attributes: db('SELECT ?') }));
  const decoded = flattenSpans(assertBothMatchOtel(resource, spans));
  assert.equal(decoded.length, spans.length);
  assert.equal(decoded[4].attributes['db.query.text'], 'UPDATE carts SET total = ?');
  assert.equal(decoded[8].attributes['db.system.name'], 'mysql');
  assert.deepStrictEqual(decoded.map((s) => s.traceId), spans.map((s) => s.traceId));
});

test('spans of several kinds interleaved, and more kinds than the encoder keeps apart, encode as OTel does', () => {
  // A request's SERVER span, its fetch CLIENT span and its queries reach the encoder interleaved; each kind keeps
  // its own repeated values. Twelve more kinds than that (each its own scope) make the encoder give a kind's
  // memory to another and start again: every path must still give OTel's bytes.
  const fetchScope = { name: '@tracekit/agent/fetch', version: '0.1.0' };
  const pgScope = { name: '@tracekit/agent/pg', version: '0.1.0' };
  const extraScopes = Array.from({ length: 12 }, (_, i) => ({ name: `custom-${i}`, version: undefined }));
  const spans = [];
  for (let i = 0; i < 60; i++) {
    const server = span({
      attributes: {
        'http.method': 'GET', 'http.request.method': 'GET', 'http.url': `http://api/users/${i % 3}`, 'url.scheme': 'http',
        'http.route': '/users/:id', 'http.status_code': i % 7 === 0 ? 500 : 200, 'http.duration_ms': 1 + i / 8,
      },
    });
    spans.push(server);
    spans.push(span({
      kind: 2, scope: fetchScope, parentSpanId: server.spanId, name: 'GET',
      attributes: { 'http.method': 'GET', 'http.request.method': 'GET', 'http.url': 'http://stock/items', 'url.full': 'http://stock/items', 'server.port': 80 },
    }));
    spans.push(span({
      kind: 2, scope: pgScope, parentSpanId: server.spanId, name: 'SELECT users',
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': i % 5 === 0 ? 'UPDATE users SET seen = ?' : 'SELECT * FROM users WHERE id = ?', 'server.port': 5432 },
    }));
    if (i % 2 === 0) {
      spans.push(span({ kind: 0, scope: extraScopes[i % 12], parentSpanId: server.spanId, name: 'work', attributes: { 'http.method': 'GET', step: i % 4, done: true } }));
    }
  }
  const decoded = flattenSpans(assertBothMatchOtel(resource, spans));
  assert.equal(decoded.length, spans.length);
  // Grouped by scope in the request: compared span by span.
  const bySpanId = new Map(decoded.map((s) => [s.spanId, s.attributes]));
  for (const sent of spans) assert.deepStrictEqual(bySpanId.get(sent.spanId), sent.attributes);
});

test('root and child spans of every kind match OTel in both formats', () => {
  const root = span({ kind: 1 });
  const children = [0, 2, 3, 4].map((kind) =>
    span({ kind, parentSpanId: root.spanId, name: `child ${kind}`, startTime: T0 + kind, endTime: T0 + kind + 1 }),
  );
  const decoded = assertBothMatchOtel(resource, [root, ...children]);
  const spans = flattenSpans(decoded);
  assert.deepStrictEqual(spans.map((s) => s.kind), [2, 1, 3, 4, 5]);
  assert.equal(spans[0].parentSpanId, '');
  assert.ok(spans.slice(1).every((s) => s.parentSpanId === root.spanId && s.traceId === TRACE_A));
  assert.equal(spans[0].spanId, root.spanId);
  assert.deepStrictEqual(spans[0].resource.attributes, {
    'service.name': 'users-api',
    'service.version': '1.2.3',
    'telemetry.sdk.language': 'nodejs',
    'process.pid': 4242,
    'service.instance.ready': true,
    'host.load': 0.75,
  });
});

test('every attribute type, including arrays, empty values and nullish items', () => {
  const attributes = {
    str: 'value',
    empty: '',
    yes: true,
    no: false,
    zero: 0,
    int: 42,
    negative: -7,
    maxSafe: Number.MAX_SAFE_INTEGER,
    minSafe: Number.MIN_SAFE_INTEGER,
    uint32Edge: 4294967296,
    double: 1.5,
    negativeDouble: -0.25,
    tiny: 5e-324,
    strings: ['a', '', 'c'],
    ints: [1, -2, 3000000000],
    doubles: [0.5, -1.25],
    bools: [true, false],
    withHoles: ['x', null, undefined, 'y'],
    emptyArray: [],
    '': 'empty key',
  };
  const decoded = assertBothMatchOtel(resource, [span({ attributes })]);
  const [only] = flattenSpans(decoded);
  assert.deepStrictEqual(only.attributes, { ...attributes, withHoles: ['x', null, null, 'y'] });
});

test('undefined and null attribute values are skipped', () => {
  const s = span({ attributes: { kept: 'yes', gone: undefined, alsoGone: null, last: 1 } });
  for (const decoded of [
    decodeTraceRequest(encodeTraceRequestProto(resource, [s]), 'application/x-protobuf'),
    decodeTraceRequest(encodeTraceRequestJson(resource, [s]), 'application/json'),
  ]) {
    assert.deepStrictEqual(flattenSpans(decoded)[0].attributes, { kept: 'yes', last: 1 });
  }
  assertBothMatchOtel(resource, [s]);
});

test('integers beyond the safe range and non-finite numbers are doubles', () => {
  // OTel differs here: it writes any integral double as intValue (in JSON even 1e300, as a number).
  const s = span({ attributes: { big: 2 ** 60, huge: 1e300, nan: NaN, inf: Infinity, negInf: -Infinity, negZero: -0 } });
  const fromProto = flattenSpans(decodeTraceRequest(encodeTraceRequestProto(resource, [s]), 'application/x-protobuf'))[0];
  const json = encodeTraceRequestJson(resource, [s]);
  const fromJson = flattenSpans(decodeTraceRequest(json, 'application/json'))[0];
  const expected = { big: 2 ** 60, huge: 1e300, nan: NaN, inf: Infinity, negInf: -Infinity, negZero: 0 };
  assert.deepStrictEqual(fromProto.attributes, expected);
  assert.deepStrictEqual(fromJson.attributes, expected);
  const raw = Object.fromEntries(JSON.parse(json).resourceSpans[0].scopeSpans[0].spans[0].attributes.map((kv) => [kv.key, kv.value]));
  assert.deepStrictEqual(raw.big, { doubleValue: 2 ** 60 });
  assert.deepStrictEqual(raw.nan, { doubleValue: 'NaN' });
  assert.deepStrictEqual(raw.inf, { doubleValue: 'Infinity' });
  assert.deepStrictEqual(raw.negInf, { doubleValue: '-Infinity' });
  assert.deepStrictEqual(raw.negZero, { intValue: '0' });
});

test('unicode and emoji in keys, values, names, status and scope', () => {
  const long = 'ünïcødé ✓ '.repeat(40);
  const s = span({
    name: 'GET /café/😀',
    attributes: {
      'ключ': 'значение',
      '😀': '🎉🎉',
      'combining': 'e\u0301',
      'cjk': '漢字かなカナ',
      'longUnicode': long,
      'mixed long': 'a'.repeat(40) + 'é',
      'ascii then emoji at 31': 'x'.repeat(31) + '😀',
    },
    statusCode: 2,
    statusMessage: 'échec 💥',
    scope: { name: 'scope-🙂', version: 'v∞' },
  });
  const decoded = assertBothMatchOtel(resource, [s]);
  const [only] = flattenSpans(decoded);
  assert.equal(only.name, 'GET /café/😀');
  assert.equal(only.attributes['ключ'], 'значение');
  assert.equal(only.attributes['😀'], '🎉🎉');
  assert.equal(only.attributes.longUnicode, long);
  assert.deepStrictEqual(only.status, { code: 2, message: 'échec 💥' });
  assert.deepStrictEqual(only.scope, { name: 'scope-🙂', version: 'v∞' });
});

test('JSON stays valid for any string: quotes, backslashes, control characters, separators, lone surrogates', () => {
  const nasty = {
    quote: 'say "hi"',
    backslash: 'C:\\path\\file',
    controls: 'a\u0000b\u0001c\nd\re\tf\u001f',
    separators: 'line\u2028para\u2029',
    del: 'x\u007fy',
    html: '</script><!--',
    loneHigh: 'a\ud800b',
    loneLow: '\udc00',
    'key "with" \\ and \n': 'v',
  };
  const s = span({ name: 'n"a\\m\ne', attributes: nasty, statusCode: 2, statusMessage: '"quoted"\n', traceState: 'k=v' });
  const json = encodeTraceRequestJson(resource, [s]);
  const parsed = JSON.parse(json);
  const [only] = flattenSpans(decodeTraceRequest(json, 'application/json'));
  assert.deepStrictEqual(only.attributes, nasty);
  assert.equal(only.name, 'n"a\\m\ne');
  assert.equal(only.status.message, '"quoted"\n');
  assert.ok(parsed.resourceSpans[0].scopeSpans[0].spans[0]);
  // Protobuf strings must be UTF-8: lone surrogates become U+FFFD, as with OTel's TextEncoder.
  const fromProto = flattenSpans(decodeTraceRequest(encodeTraceRequestProto(resource, [s]), 'application/x-protobuf'))[0];
  assert.equal(fromProto.attributes.loneHigh, 'a\ufffdb');
  assert.equal(fromProto.attributes.controls, nasty.controls);
  assertProtoMatchesOtel(resource, [s]);
});

test('events with and without attributes, links with trace state', () => {
  const parent = span();
  const s = span({
    parentSpanId: parent.spanId,
    events: [
      {
        name: 'exception',
        time: T0 + 3.000123,
        attributes: {
          'exception.type': 'TypeError',
          'exception.message': "Cannot read properties of undefined (reading 'id')",
          'exception.stacktrace': 'TypeError: boom\n    at handler (/app/server.js:12:7)\n'.repeat(20),
        },
      },
      { name: 'cache.miss', time: T0 + 4.5, attributes: undefined },
      { name: 'empty attrs', time: T0 + 5, attributes: {} },
    ],
    links: [
      { traceId: TRACE_B, spanId: 'b7ad6b7169203331', traceState: 'rojo=00f067aa0ba902b7', attributes: { 'link.kind': 'follows' } },
      { traceId: TRACE_A, spanId: '00f067aa0ba902b7', traceState: undefined, attributes: undefined },
    ],
    statusCode: 2,
    statusMessage: 'TypeError: boom',
  });
  const decoded = assertBothMatchOtel(resource, [parent, s]);
  const out = flattenSpans(decoded)[1];
  assert.deepStrictEqual(out.events.map((e) => e.name), ['exception', 'cache.miss', 'empty attrs']);
  assert.equal(out.events[0].attributes['exception.type'], 'TypeError');
  assert.equal(out.events[0].timeUnixNano, String(exactNanos(T0 + 3.000123)));
  assert.deepStrictEqual(out.events[1].attributes, {});
  assert.deepStrictEqual(out.links[0], {
    traceId: TRACE_B,
    spanId: 'b7ad6b7169203331',
    traceState: 'rojo=00f067aa0ba902b7',
    attributes: { 'link.kind': 'follows' },
    flags: 0,
  });
  assert.deepStrictEqual(out.status, { code: 2, message: 'TypeError: boom' });
});

test('status codes: unset, ok, error with message', () => {
  const spans = [
    span({ statusCode: 0 }),
    span({ statusCode: 1 }),
    span({ statusCode: 2, statusMessage: 'Internal Server Error' }),
  ];
  const decoded = assertBothMatchOtel(resource, spans);
  assert.deepStrictEqual(flattenSpans(decoded).map((s) => s.status), [
    { code: 0, message: '' },
    { code: 1, message: '' },
    { code: 2, message: 'Internal Server Error' },
  ]);
});

test('several scopes are grouped by name and version in first-seen order', () => {
  const http = { name: 'http', version: '1.0.0' };
  const pg = { name: 'pg', version: '8.11.0' };
  const user = { name: 'user-code', version: undefined };
  const http2 = { name: 'http', version: '2.0.0' };
  const spans = [
    span({ scope: http, name: 'a' }),
    span({ scope: pg, name: 'b' }),
    span({ scope: { ...http }, name: 'c' }), // equal by value, not identity
    span({ scope: user, name: 'd' }),
    span({ scope: http2, name: 'e' }),
    span({ scope: pg, name: 'f' }),
  ];
  const decoded = assertBothMatchOtel(resource, spans);
  const groups = decoded.resourceSpans[0].scopeSpans.map((ss) => [ss.scope.name, ss.scope.version, ss.spans.map((s) => s.name)]);
  assert.deepStrictEqual(groups, [
    ['http', '1.0.0', ['a', 'c']],
    ['pg', '8.11.0', ['b', 'f']],
    ['user-code', '', ['d']],
    ['http', '2.0.0', ['e']],
  ]);
  assert.equal(decoded.resourceSpans.length, 1);
});

test('times with sub-millisecond fractions are exact nanoseconds', () => {
  const cases = [
    [1715000000123.5, '1715000000123500000'],
    [1715000000123.25, '1715000000123250000'],
    [1715000000000.015625, '1715000000000015625'],
    [1715000000999.984375, '1715000000999984375'],
    [1715000000001, '1715000000001000000'],
    [0.5, '500000'],
    [1.25, '1250000'],
    [4102444800000.5, '4102444800000500000'], // 2100-01-01: seconds above 2^31
  ];
  const spans = cases.map(([start], i) => span({ startTime: start, endTime: start + i / 64 }));
  const decoded = assertBothMatchOtel(resource, spans);
  flattenSpans(decoded).forEach((s, i) => {
    assert.equal(s.startTimeUnixNano, cases[i][1]);
    assert.equal(s.endTimeUnixNano, String(exactNanos(cases[i][0] + i / 64)));
  });
});

test('random times match the exact BigInt reference in both formats', () => {
  const spans = [];
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 400; i++) {
    const start = 1600000000000 + random() * 200000000000 + random(); // performance.timeOrigin + now() style
    spans.push(span({ startTime: start, endTime: start + random() * 5000, events: [{ name: 'e', time: start + random(), attributes: undefined }] }));
  }
  // The rounding edge: fractions that round up into the next millisecond and the next second.
  spans.push(span({ startTime: 1715000000999.99999999, endTime: 1715000000000.9999999 }));
  const decodedProto = decodeTraceRequest(encodeTraceRequestProto(resource, spans), 'application/x-protobuf');
  const decodedJson = decodeTraceRequest(encodeTraceRequestJson(resource, spans), 'application/json');
  for (const decoded of [decodedProto, decodedJson]) {
    flattenSpans(decoded).forEach((s, i) => {
      assert.equal(s.startTimeUnixNano, String(exactNanos(spans[i].startTime)), `start of span ${i}`);
      assert.equal(s.endTimeUnixNano, String(exactNanos(spans[i].endTime)), `end of span ${i}`);
      if (spans[i].events) {
        assert.equal(s.events[0].timeUnixNano, String(exactNanos(spans[i].events[0].time)), `event of span ${i}`);
      }
    });
  }
  assert.equal(flattenSpans(decodedProto).at(-1).startTimeUnixNano, '1715000001000000000');
  assertProtoMatchesOtel(resource, spans);
});

test('trace state, trace flags and dropped counts', () => {
  const spans = [
    span({ traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', traceFlags: 1, droppedAttributesCount: 3, droppedEventsCount: 2 }),
    span({ traceFlags: 0 }),
    span({ traceFlags: 0x03, droppedAttributesCount: 300 }),
  ];
  const decoded = assertBothMatchOtel(resource, spans);
  const out = flattenSpans(decoded);
  assert.equal(out[0].traceState, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  assert.deepStrictEqual(out.map((s) => s.flags), [1, 0, 3]);
  assert.deepStrictEqual(out.map((s) => s.droppedAttributesCount), [3, 0, 300]);
  assert.deepStrictEqual(out.map((s) => s.droppedEventsCount), [2, 0, 0]);
  const json = JSON.parse(encodeTraceRequestJson(resource, spans)).resourceSpans[0].scopeSpans[0].spans;
  assert.deepStrictEqual(json.map((s) => s.flags), [1, 0, 3]);
});

test('a batch of 512 typical spans matches OTel', () => {
  const userAgent = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
  const spans = Array.from({ length: 512 }, (_, i) =>
    span({
      traceId: hex(0xabcdef + i * 104729, 16) + hex(i, 16),
      parentSpanId: i % 3 === 0 ? undefined : hex(i * 31, 16),
      kind: i % 5,
      startTime: T0 + i * 1.000123,
      endTime: T0 + i * 1.000123 + (i % 17) / 8,
      attributes: {
        'http.method': 'GET',
        'http.url': `http://localhost:3000/users/${i}?fields=name`,
        'http.route': '/users/:id',
        'http.user_agent': userAgent,
        'http.status_code': 200 + (i % 4),
        'http.duration_ms': (i % 17) / 8,
        'client.address': `10.0.0.${i % 256}`,
        'server.port': 3000,
      },
      statusCode: i % 10 === 0 ? 2 : 0,
      statusMessage: i % 10 === 0 ? `failure ${i}` : undefined,
      scope: i % 7 === 0 ? { name: 'pg', version: '8.0.0' } : { name: 'http', version: '1.0.0' },
    }),
  );
  const decoded = assertBothMatchOtel(resource, spans);
  assert.equal(flattenSpans(decoded).length, 512);
});

test('length prefixes of every size: tiny spans, values over 127 bytes and 16 KiB, requests over 2 MiB', () => {
  const sizes = [0, 1, 31, 32, 33, 42, 43, 125, 126, 127, 128, 129, 16383, 16384, 20000];
  const attributes = Object.fromEntries(sizes.map((n) => [`s${n}`, 'x'.repeat(n)]));
  const unicode = Object.fromEntries(sizes.map((n) => [`u${n}`, 'é'.repeat(Math.ceil(n / 2))]));
  const tiny = span({ name: '', attributes: {} });
  const decoded = assertBothMatchOtel(resource, [tiny, span({ attributes }), span({ attributes: unicode })]);
  const out = flattenSpans(decoded);
  assert.deepStrictEqual(out[1].attributes, attributes);
  assert.deepStrictEqual(out[2].attributes, unicode);

  // A single request over 2 MiB needs a 4-byte length for ResourceSpans and ScopeSpans.
  const big = Array.from({ length: 40 }, (_, i) => span({ attributes: { blob: String(i).repeat(60000) } }));
  const bytes = encodeTraceRequestProto(resource, big);
  assert.ok(bytes.length > 2 * 1024 * 1024);
  assert.deepStrictEqual(schemaObject(bytes), schemaObject(ProtobufTraceSerializer.serializeRequest(toReadableSpans(resource, big))));
});

test('an empty batch and an empty resource encode to valid requests', () => {
  for (const [res, spans] of [
    [resource, []],
    [{ attributes: {} }, [span({ attributes: {} })]],
  ]) {
    const fromProto = decodeTraceRequest(encodeTraceRequestProto(res, spans), 'application/x-protobuf');
    const fromJson = decodeTraceRequest(encodeTraceRequestJson(res, spans), 'application/json');
    assert.deepStrictEqual(fromJson, fromProto);
    assert.equal(flattenSpans(fromProto).length, spans.length);
  }
});

test('OTLP/JSON uses the spec forms: hex ids, string nanos and int64, integer enums, no parentSpanId on roots', () => {
  const root = span({ attributes: { n: 7, d: 2.5 } });
  const child = span({ parentSpanId: root.spanId, kind: 2, statusCode: 2, statusMessage: 'bad' });
  const parsed = JSON.parse(encodeTraceRequestJson(resource, [root, child]));
  const [first, second] = parsed.resourceSpans[0].scopeSpans[0].spans;
  assert.equal(first.traceId, TRACE_A);
  assert.match(first.spanId, /^[0-9a-f]{16}$/);
  assert.ok(!('parentSpanId' in first));
  assert.equal(second.parentSpanId, root.spanId);
  assert.equal(first.kind, 2);
  assert.equal(second.kind, 3);
  assert.equal(first.startTimeUnixNano, '1715000000123500000');
  assert.equal(first.endTimeUnixNano, '1715000000135750000');
  assert.deepStrictEqual(first.attributes, [
    { key: 'n', value: { intValue: '7' } },
    { key: 'd', value: { doubleValue: 2.5 } },
  ]);
  assert.deepStrictEqual(first.status, { code: 0 });
  assert.deepStrictEqual(second.status, { code: 2, message: 'bad' });
  assert.equal(first.flags, 1);
  assert.deepStrictEqual(parsed.resourceSpans[0].scopeSpans[0].scope, { name: '@tracekit/agent/http', version: '0.1.0' });
  const service = parsed.resourceSpans[0].resource.attributes.find((kv) => kv.key === 'service.name');
  assert.deepStrictEqual(service.value, { stringValue: 'users-api' });
});

test('each call returns its own bytes; a later encode does not overwrite an earlier result', () => {
  const first = encodeTraceRequestProto(resource, [span({ name: 'first' })]);
  const copy = Buffer.from(first);
  encodeTraceRequestProto(resource, [span({ name: 'second, and longer than the first' })]);
  assert.ok(copy.equals(first));
  const firstJson = encodeTraceRequestJsonBytes(resource, [span({ name: 'first' })]);
  const copyJson = Buffer.from(firstJson);
  encodeTraceRequestJsonBytes(resource, [span({ name: 'second' })]);
  assert.ok(copyJson.equals(firstJson));
});

test('more distinct attribute keys than the key caches hold', () => {
  const spans = Array.from({ length: 6 }, (_, i) =>
    span({ attributes: Object.fromEntries(Array.from({ length: 1000 }, (_, k) => [`key.${i}.${k}`, k])) }),
  );
  // Alternate layouts so the positional key memo misses as well.
  spans.push(span({ attributes: { 'key.0.0': 'moved', 'key.5.999': 'here' } }));
  const decoded = assertBothMatchOtel(resource, spans);
  const out = flattenSpans(decoded);
  assert.equal(out[5].attributes['key.5.999'], 999);
  assert.deepStrictEqual(out[6].attributes, { 'key.0.0': 'moved', 'key.5.999': 'here' });
});
