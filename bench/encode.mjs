// Encoding cost per span, ours vs OpenTelemetry's serializers, for a batch of typical SERVER spans.
//
//   node --import tsx bench/encode.mjs [batchSize]
//
// Each encoder gets the same 512 distinct spans (OTel gets them as ReadableSpan-shaped objects) and runs in its own
// child process; the figure is the median of several timed rounds after a warm-up, in CPU nanoseconds per span.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { encodeTraceRequestProto } from '../agent/export/otlp-proto.ts';
import { encodeTraceRequestJson, encodeTraceRequestJsonBytes } from '../agent/export/otlp-json.ts';

const require = createRequire(import.meta.url);
const { ProtobufTraceSerializer, JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const BATCH = Number(process.argv[2]) || 512;
const ROUNDS = 11;
const MIN_ROUND_MS = 200;
const WARMUP_MS = 500;

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

// CPU time (user + system) of this process, which preemption by other processes does not inflate.
function cpuUsageNanos() {
  const usage = process.cpuUsage();
  return { total: (usage.user + usage.system) * 1000, system: usage.system * 1000 };
}

function measure(encode) {
  // Warm up until the JIT and the heap settle (the first batches also grow buffers and fault in fresh pages).
  for (const until = cpuUsageNanos().total + WARMUP_MS * 1e6; cpuUsageNanos().total < until; ) encode();
  let iterations = 1;
  for (;;) {
    const t0 = cpuUsageNanos().total;
    for (let i = 0; i < iterations; i++) encode();
    const elapsedMs = (cpuUsageNanos().total - t0) / 1e6;
    if (elapsedMs >= MIN_ROUND_MS / 4) {
      iterations = Math.max(1, Math.ceil((iterations * MIN_ROUND_MS) / elapsedMs));
      break;
    }
    iterations *= 2;
  }
  const samples = [];
  let total = 0;
  let system = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const before = cpuUsageNanos();
    for (let i = 0; i < iterations; i++) encode();
    const after = cpuUsageNanos();
    samples.push((after.total - before.total) / iterations / BATCH);
    total += after.total - before.total;
    system += after.system - before.system;
  }
  samples.sort((a, b) => a - b);
  return { nsPerSpan: samples[ROUNDS >> 1], systemShare: system / total, bytes: encode().length };
}

const cases = {
  'tracekit protobuf': () => encodeTraceRequestProto(resource, spans),
  'otel ProtobufTraceSerializer': () => ProtobufTraceSerializer.serializeRequest(readableSpans),
  'tracekit json (string)': () => encodeTraceRequestJson(resource, spans),
  'tracekit json (+ utf-8 Buffer)': () => Buffer.from(encodeTraceRequestJson(resource, spans)),
  'tracekit json bytes': () => encodeTraceRequestJsonBytes(resource, spans),
  'otel JsonTraceSerializer': () => JsonTraceSerializer.serializeRequest(readableSpans),
};

// Each encoder runs alone in a fresh process, so one encoder's garbage and heap growth (a 750 KB JSON string per
// batch) do not bill the next; two passes in opposite orders, keeping the lower median, damp load from elsewhere.
if (process.env.ENCODE_BENCH_CASE) {
  process.stdout.write(JSON.stringify(measure(cases[process.env.ENCODE_BENCH_CASE])));
} else {
  const names = Object.keys(cases);
  const results = new Map();
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(BATCH)], {
        env: { ...process.env, ENCODE_BENCH_CASE: name },
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`${name} failed:\n${child.stderr}`);
      const result = JSON.parse(child.stdout);
      const previous = results.get(name);
      if (previous === undefined || result.nsPerSpan < previous.nsPerSpan) results.set(name, result);
    }
  }
  console.log(`Node ${process.version}, batch of ${BATCH} SERVER spans with 16 attributes, CPU ns per span`);
  for (const name of names) {
    const result = results.get(name);
    const system = `${(result.systemShare * 100).toFixed(0)}% system`;
    console.log(`${name.padEnd(32)} ${result.nsPerSpan.toFixed(0).padStart(6)} ns/span  ${system.padStart(11)}  ${result.bytes} bytes/batch`);
  }
  const ratio = (ours, theirs) => (results.get(theirs).nsPerSpan / results.get(ours).nsPerSpan).toFixed(1);
  console.log(`protobuf: tracekit is ${ratio('tracekit protobuf', 'otel ProtobufTraceSerializer')}x faster than OTel`);
  console.log(
    `json:     tracekit bytes is ${ratio('tracekit json bytes', 'otel JsonTraceSerializer')}x faster than OTel` +
      ` (string + Buffer.from: ${ratio('tracekit json (+ utf-8 Buffer)', 'otel JsonTraceSerializer')}x)`,
  );
}
