// Encoding cost per span, ours vs OpenTelemetry's serializers, for a batch of typical SERVER spans.
//
//   node --import tsx bench/encode.mjs [batchSize]
//
// Each encoder gets the same 512 distinct spans (OTel gets them as ReadableSpan-shaped objects); the figure is the
// median of several timed rounds after a warm-up, in nanoseconds per span.
import { createRequire } from 'node:module';
import { encodeTraceRequestProto } from '../agent/export/otlp-proto.ts';
import { encodeTraceRequestJson } from '../agent/export/otlp-json.ts';

const require = createRequire(import.meta.url);
const { ProtobufTraceSerializer, JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const BATCH = Number(process.argv[2]) || 512;
const ROUNDS = 15;
const MIN_ROUND_MS = 200;

const resourceAttributes = {
  'service.name': 'users-api',
  'service.version': '1.4.2',
  'deployment.environment.name': 'production',
  'telemetry.sdk.name': 'tracekit',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '0.1.0',
  'host.name': 'ip-10-0-3-17',
  'process.pid': 4242,
  'process.runtime.name': 'nodejs',
  'process.runtime.version': '20.20.2',
};
const scope = { name: '@tracekit/agent/http', version: '0.1.0' };
const hex = (n, length) => n.toString(16).padStart(length, '0').slice(-length);
const userAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function makeSpan(i) {
  const start = 1715000000000 + i * 3.217 + 0.123456;
  const duration = 1.5 + (i % 7) * 0.25;
  const id = 100000 + i;
  const ip = `10.0.${i % 250}.${(i * 7) % 250}`;
  return {
    traceId: hex(0x5f3e9a2b + i * 7919, 16) + hex(0x1c0ffee + i, 16),
    spanId: hex(0xabcdef01 + i, 16),
    parentSpanId: undefined,
    traceState: undefined,
    traceFlags: 1,
    name: 'GET /users/:id',
    kind: 1,
    startTime: start,
    endTime: start + duration,
    attributes: {
      'http.method': 'GET',
      'http.url': `http://localhost:3000/users/${id}?fields=name,email`,
      'http.route': '/users/:id',
      'http.user_agent': userAgent,
      'http.client_ip': ip,
      'http.status_code': 200,
      'http.duration_ms': duration,
      'http.request.method': 'GET',
      'url.path': `/users/${id}`,
      'url.query': 'fields=name,email',
      'http.response.status_code': 200,
      'client.address': ip,
      'user_agent.original': userAgent,
      'server.address': 'localhost',
      'server.port': 3000,
      'url.scheme': 'http',
    },
    events: undefined,
    links: undefined,
    statusCode: 0,
    statusMessage: undefined,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    scope,
  };
}

function hrTime(millis) {
  const seconds = Math.floor(millis / 1000);
  return [seconds, Math.round((millis - seconds * 1000) * 1e6)];
}

const resource = { attributes: resourceAttributes };
const otelResource = resourceFromAttributes(resourceAttributes);
const otelScope = { name: scope.name, version: scope.version };

function toReadableSpan(span) {
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags, isRemote: false };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    parentSpanContext: undefined,
    startTime: hrTime(span.startTime),
    endTime: hrTime(span.endTime),
    status: { code: span.statusCode },
    attributes: span.attributes,
    links: [],
    events: [],
    duration: hrTime(span.endTime - span.startTime),
    ended: true,
    resource: otelResource,
    instrumentationScope: otelScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

const spans = Array.from({ length: BATCH }, (_, i) => makeSpan(i));
const readableSpans = spans.map(toReadableSpan);

function measure(encode) {
  let sink = 0;
  // Calibrate the number of batches per round so a round lasts about MIN_ROUND_MS.
  let iterations = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += encode().length;
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    if (elapsed >= MIN_ROUND_MS / 4) {
      iterations = Math.max(1, Math.ceil((iterations * MIN_ROUND_MS) / elapsed));
      break;
    }
    iterations *= 2;
  }
  const perSpan = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += encode().length;
    perSpan.push(Number(process.hrtime.bigint() - t0) / iterations / BATCH);
  }
  perSpan.sort((a, b) => a - b);
  return { nsPerSpan: perSpan[ROUNDS >> 1], bytes: encode().length, sink };
}

const cases = [
  ['tracekit protobuf', () => encodeTraceRequestProto(resource, spans)],
  ['otel ProtobufTraceSerializer', () => ProtobufTraceSerializer.serializeRequest(readableSpans)],
  ['tracekit json (string)', () => encodeTraceRequestJson(resource, spans)],
  ['tracekit json (+ utf-8 Buffer)', () => Buffer.from(encodeTraceRequestJson(resource, spans))],
  ['otel JsonTraceSerializer', () => JsonTraceSerializer.serializeRequest(readableSpans)],
];

console.log(`Node ${process.version}, batch of ${BATCH} SERVER spans with 16 attributes, median of ${ROUNDS} rounds`);
const results = new Map();
for (const [name, encode] of cases) {
  const result = measure(encode);
  results.set(name, result);
  console.log(`${name.padEnd(32)} ${result.nsPerSpan.toFixed(0).padStart(6)} ns/span  ${result.bytes} bytes/batch`);
}
const ratio = (ours, theirs) => (results.get(theirs).nsPerSpan / results.get(ours).nsPerSpan).toFixed(1);
console.log(`protobuf: tracekit is ${ratio('tracekit protobuf', 'otel ProtobufTraceSerializer')}x faster than OTel`);
console.log(`json:     tracekit is ${ratio('tracekit json (+ utf-8 Buffer)', 'otel JsonTraceSerializer')}x faster than OTel (both as bytes)`);
