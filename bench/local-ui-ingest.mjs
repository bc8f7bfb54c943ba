#!/usr/bin/env node
// Ingest throughput of tracekit-local: 100-span OTLP batches (10 traces × 10 spans, 8 attributes each) posted
// as JSON and as protobuf by a load generator on CPU 0 to the server pinned to CPU 1, next to a baseline server
// on the same core that only reads and discards each body (the ceiling of Node's HTTP stack for these requests).
// Reported per format: spans/s acknowledged, the server's CPU use, spans per CPU-second, the ratio to the
// baseline, and the stored bytes against the cap. A decode-only comparison with protobufjs and the official
// OTLP schema runs in-process at the end.
//
//   node bench/local-ui-ingest.mjs [--duration 5] [--rounds 2] [--connections 8] [--server-args="--max-bytes 32MB"]
//                                  [--out bench/results/local-ui-ingest.json]
import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { environment, pinSelf, pinned, procCpuMs, procStatus, RESULTS_DIR, REPO, writeJson } from './lib/common.mjs';
import { hex, jsonSpan, proto, tracesBody, tracesProto } from '../test/local-ui/helpers.mjs';
import { decodeTracesProto } from '../local-ui/otlp-proto.mjs';
import { normaliseTraces } from '../local-ui/otlp-normalize.mjs';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    // Extra tracekit-local options, e.g. --server-args="--max-traces 1000000 --max-bytes 32MB" to watch the byte cap under load.
    'server-args': { type: 'string', default: '' },
    out: { type: 'string', default: path.join(RESULTS_DIR, 'local-ui-ingest.json') },
  },
});
const DURATION_MS = Number(opt.duration) * 1000;
const CONNECTIONS = Number(opt.connections);
const SPANS_PER_BATCH = 100;

const BASELINE = `require('node:http').createServer((q, s) => { q.on('data', () => {}); q.on('end', () => s.end('{}')); })
  .listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`;

function batches(count) {
  const out = [];
  const start = BigInt(Date.now()) * 1_000_000n;
  for (let b = 0; b < count; b++) {
    const spans = [];
    for (let t = 0; t < 10; t++) {
      const traceId = hex(16);
      const rootId = hex(8);
      for (let s = 0; s < 10; s++) {
        spans.push(jsonSpan({
          traceId, spanId: s === 0 ? rootId : hex(8), parentSpanId: s === 0 ? undefined : rootId,
          name: s === 0 ? 'GET /users/:id' : `SELECT users ${s}`, kind: s === 0 ? 2 : 3, startNs: start + BigInt(s * 1000),
          durationMs: 2 + s, attributes: { 'http.method': 'GET', 'http.route': '/users/:id', 'http.status_code': 200, 'db.system': 'postgresql', 'net.peer.port': 5432, cached: false, ratio: 0.5, 'user.id': `u${b}-${t}` },
        }));
      }
    }
    const body = tracesBody('bench-service', spans);
    out.push({ json: Buffer.from(JSON.stringify(body)), protobuf: tracesProto(body) });
  }
  return out;
}

function startServer(kind) {
  const [file, args] = kind === 'baseline' ? pinned(1, process.execPath, ['-e', BASELINE]) : pinned(1, process.execPath, [path.join(REPO, 'local-ui/bin.mjs'), '--port', '0', ...opt['server-args'].split(' ').filter(Boolean)]);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/[^\s,]+)/.exec(out);
      if (match) resolve({ child, url: match[1].replace('localhost', '127.0.0.1') });
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

/** Node's own pid under taskset is the child's pid (taskset execs the command). */
async function load(url, bodies, format) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { hostname, port } = new URL(url);
  const contentType = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  let next = 0;
  let acked = 0;
  let failed = 0;
  const send = (body) => new Promise((resolve) => {
    const req = http.request({ agent, hostname, port, path: '/v1/traces', method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
  const run = async (until, count) => {
    const worker = async () => {
      while (Date.now() < until) {
        const ok = await send(bodies[next++ % bodies.length][format]);
        if (!count) continue;
        if (ok) acked++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  };
  await run(Date.now() + 1000, false); // warm-up
  return { agent, acked: () => acked, failed: () => failed, run };
}

async function measure(kind, format, bodies) {
  const server = await startServer(kind);
  try {
    const session = await load(server.url, bodies, format);
    const cpu0 = procCpuMs(server.child.pid);
    const t0 = Date.now();
    await session.run(t0 + DURATION_MS, true);
    const elapsed = Date.now() - t0;
    const cpuMs = procCpuMs(server.child.pid) - cpu0;
    session.agent.destroy();
    const spans = session.acked() * SPANS_PER_BATCH;
    const result = { kind, format, spansPerSec: Math.round(spans / (elapsed / 1000)), serverCpuPct: Math.round((cpuMs / elapsed) * 100), spansPerCpuSec: Math.round(spans / (cpuMs / 1000)), failed: session.failed(), rssMiB: Math.round(procStatus(server.child.pid).VmRSS / 1024) };
    if (kind === 'local-ui') {
      const stats = await (await fetch(`${server.url}/api/stats`)).json();
      Object.assign(result, { storedTraces: stats.traces, storedBytes: stats.bytes, maxBytes: stats.maxBytes, spansReceived: stats.spansReceived });
    }
    return result;
  } finally {
    server.child.kill('SIGTERM');
  }
}

function decodeOnly(bodies) {
  const Request = proto.collector.trace.v1.ExportTraceServiceRequest;
  const time = (fn) => {
    for (let i = 0; i < 200; i++) fn(bodies[i % bodies.length].protobuf);
    const t0 = process.hrtime.bigint();
    const n = 2000;
    for (let i = 0; i < n; i++) fn(bodies[i % bodies.length].protobuf);
    return Number(process.hrtime.bigint() - t0) / 1000 / n; // µs per 100-span batch
  };
  const ours = time((b) => normaliseTraces(decodeTracesProto(b)));
  const oursDecodeOnly = time((b) => decodeTracesProto(b));
  const protobufjs = time((b) => Request.toObject(Request.decode(b), { longs: String, bytes: String }));
  const json = time((b) => normaliseTraces(JSON.parse(bodies[0].json.toString())));
  return { usPerBatch: { localUiDecode: oursDecodeOnly, localUiDecodeAndNormalise: ours, protobufjsDecodeToObject: protobufjs, jsonParseAndNormalise: json } };
}

const pinnedSelf = pinSelf(0);
const bodies = batches(200);
const results = [];
for (let round = 0; round < Number(opt.rounds); round++) {
  for (const format of ['json', 'protobuf']) {
    for (const kind of ['baseline', 'local-ui']) {
      const r = await measure(kind, format, bodies);
      results.push({ round, ...r });
      console.log(`round ${round} ${format.padEnd(8)} ${kind.padEnd(8)} ${String(r.spansPerSec).padStart(7)} spans/s  server CPU ${r.serverCpuPct}%  ${r.spansPerCpuSec} spans/CPU-s${r.storedBytes !== undefined ? `  stored ${r.storedTraces} traces, ${(r.storedBytes / 1048576).toFixed(1)} MB of ${(r.maxBytes / 1048576).toFixed(0)} MB cap, RSS ${r.rssMiB} MiB` : ''}`);
    }
  }
}
const summary = {};
for (const format of ['json', 'protobuf']) {
  const best = (kind) => Math.max(...results.filter((r) => r.format === format && r.kind === kind).map((r) => r.spansPerSec));
  summary[format] = { localUiSpansPerSec: best('local-ui'), baselineSpansPerSec: best('baseline'), ratioToBaseline: Number((best('local-ui') / best('baseline')).toFixed(2)) };
}
const decode = decodeOnly(bodies);
console.log('\nbest of rounds:', JSON.stringify(summary));
console.log('decode, µs per 100-span batch (in-process, CPU 0):', JSON.stringify(decode.usPerBatch, (k, v) => (typeof v === 'number' ? Math.round(v) : v)));
writeJson(opt.out, { environment: { ...environment(), loadGeneratorPinned: pinnedSelf }, options: { durationMs: DURATION_MS, connections: CONNECTIONS, spansPerBatch: SPANS_PER_BATCH, serverArgs: opt['server-args'] }, results, summary, decode });
