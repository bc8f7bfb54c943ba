// `npm run demo`: two services run under the agent (`node --import ./register.mjs`), exporting OTLP protobuf to a
// local receiver in this process, which decodes what arrives and prints each trace as a tree.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { decodeTraceRequest, flattenSpans } from '../../test/helpers/otlp-decode.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const spans = [];

const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url === '/v1/traces') spans.push(...flattenSpans(decodeTraceRequest(Buffer.concat(chunks), req.headers['content-type'])));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${receiver.address().port}`;

function startService(file, serviceName, extraEnv = {}) {
  const child = spawn(process.execPath, ['--import', './register.mjs', `examples/demo/${file}`], {
    cwd: root,
    env: {
      ...process.env,
      TRACEKIT_ENDPOINT: endpoint,
      TRACEKIT_API_KEY: 'ctxio_demo_key',
      TRACEKIT_SERVICE_NAME: serviceName,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (data) => {
      out += data;
      const match = /LISTENING (\d+)/.exec(out);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`${file} exited early (${code})`)));
  });
}

const payments = await startService('payments.mjs', 'payment-service');
const paymentsPort = new URL(payments.url).port;
const shop = await startService('shop.mjs', 'shop', {
  PAYMENTS_URL: payments.url,
  // The service map names the upstream by host:port.
  TRACEKIT_SERVICE_NAME_MAPPINGS: `127.0.0.1:${paymentsPort}=payment-service`,
});

console.log(`shop at ${shop.url}, payments at ${payments.url}, receiver at ${endpoint}\n`);
for (const [method, path] of [['GET', '/products/7'], ['POST', '/checkout/cart-123'], ['GET', '/broken'], ['GET', '/nowhere']]) {
  const response = await fetch(`${shop.url}${path}`, { method, headers: { 'user-agent': 'tracekit-demo' } });
  console.log(`${method} ${path} → ${response.status}`);
  await response.arrayBuffer();
}

// SIGTERM: the agent flushes, then the services die of the signal as they would without it.
await new Promise((resolve) => setTimeout(resolve, 100));
for (const { child } of [shop, payments]) {
  child.removeAllListeners('exit');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
receiver.close();

printTraces(spans);

function printTraces(all) {
  const byTrace = new Map();
  for (const span of all) {
    if (!byTrace.has(span.traceId)) byTrace.set(span.traceId, []);
    byTrace.get(span.traceId).push(span);
  }
  console.log(`\nreceived ${all.length} spans in ${byTrace.size} traces\n`);
  const kinds = { 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };
  for (const [traceId, traceSpans] of byTrace) {
    const ids = new Set(traceSpans.map((span) => span.spanId));
    const services = new Set(traceSpans.map((span) => span.resource.attributes['service.name']));
    console.log(`trace ${traceId} · ${traceSpans.length} spans · ${[...services].join(', ')}`);
    const print = (span, depth) => {
      const a = span.attributes;
      const ms = (Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6).toFixed(1);
      const status = a['http.response.status_code'] ?? '';
      const peer = a['peer.service'] ? ` → ${a['peer.service']}` : '';
      const error = span.status.code === 2 ? '  ERROR' : '';
      console.log(`${'  '.repeat(depth + 1)}[${span.resource.attributes['service.name']}] ${kinds[span.kind]} ${span.name}${peer}  ${status}  ${ms} ms${error}`);
      for (const event of span.events) {
        if (event.name === 'exception') {
          console.log(`${'  '.repeat(depth + 3)}exception ${event.attributes['exception.type']}: ${event.attributes['exception.message']}`);
        }
      }
      for (const child of traceSpans.filter((candidate) => candidate.parentSpanId === span.spanId)) print(child, depth + 1);
    };
    for (const rootSpan of traceSpans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId))) print(rootSpan, 0);
    console.log('');
  }
}
