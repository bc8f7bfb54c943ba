// Shared by the Local UI tests: start the real `tracekit-local` binary on a free port, wait for conditions,
// and build OTLP payloads (JSON as TraceKit's SDKs write it, protobuf through the official OTLP schema).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { opentelemetry } = require('otlp-schema/build/src/generated/root.js');
const proto = opentelemetry.proto;

export const BIN = fileURLToPath(new URL('../../local-ui/bin.mjs', import.meta.url));

/** Spawns tracekit-local with --port 0 (unless given) and resolves once it prints its URL. */
export async function startLocalUi(args = [], { nodePath = process.execPath, env = process.env } = {}) {
  const withPort = args.includes('--port') ? args : ['--port', '0', ...args];
  const child = spawn(nodePath, [BIN, ...withPort], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tracekit-local did not start in 10 s; stderr: ${stderr}`)), 10_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s,]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout.on('data', check);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`tracekit-local exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  return {
    url,
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs tracekit-local expecting it to exit (bad options, busy port); resolves { code, stdout, stderr }. */
export function runLocalUi(args, { nodePath = process.execPath, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(nodePath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracekit-local ${args.join(' ')} did not exit; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function until(condition, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const hex = (bytes) => randomBytes(bytes).toString('hex');

const NOW_NS = () => BigInt(Date.now()) * 1_000_000n;

/** A span in OTLP/JSON as TraceKit's SDKs send it: string times, typed attribute values. */
export function jsonSpan({ traceId, spanId = hex(8), parentSpanId, name = 'GET /users/:id', kind = 2, startNs = NOW_NS(), durationMs = 12, attributes = {}, status = 0, events = [] }) {
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(startNs + BigInt(Math.round(durationMs * 1e6))),
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) })),
    events,
    status: { code: status },
  };
}

export function anyValue(value) {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Number.isInteger(value)) return { intValue: String(value) };
  if (typeof value === 'number') return { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) } };
}

export function tracesBody(service, spans) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'tracekit', version: '1.0.0' }, spans }],
      },
    ],
  };
}

/** The same request as protobuf bytes, encoded by the official OTLP schema. */
export function tracesProto(body) {
  const toBytes = (id) => (id ? Buffer.from(id, 'hex') : Buffer.alloc(0));
  const value = (v) => {
    if ('intValue' in v) return { intValue: Number(v.intValue) };
    if ('arrayValue' in v) return { arrayValue: { values: v.arrayValue.values.map(value) } };
    if ('kvlistValue' in v) return { kvlistValue: { values: v.kvlistValue.values.map((kv) => ({ key: kv.key, value: value(kv.value) })) } };
    return v;
  };
  const attrs = (list) => (list ?? []).map((kv) => ({ key: kv.key, value: value(kv.value) }));
  const message = proto.collector.trace.v1.ExportTraceServiceRequest.fromObject({
    resourceSpans: body.resourceSpans.map((rs) => ({
      resource: { attributes: attrs(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: ss.scope,
        spans: ss.spans.map((s) => ({
          ...s,
          traceId: toBytes(s.traceId),
          spanId: toBytes(s.spanId),
          parentSpanId: toBytes(s.parentSpanId),
          attributes: attrs(s.attributes),
          events: (s.events ?? []).map((e) => ({ ...e, attributes: attrs(e.attributes) })),
        })),
      })),
    })),
  });
  return Buffer.from(proto.collector.trace.v1.ExportTraceServiceRequest.encode(message).finish());
}

export { proto };

export async function post(url, body, { contentType = 'application/json', headers = {} } = {}) {
  const payload = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: payload });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export async function getJson(url) {
  const res = await fetch(url);
  return { status: res.status, json: await res.json() };
}
