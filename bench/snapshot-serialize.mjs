// Scrub + serialize cost of one snapshot capture of 20 "typical" variables (target: ≤ 200 µs).
//   node --import tsx bench/snapshot-serialize.mjs [--iterations 20000] [--json]
// Prints the median, p90 and p99 per capture, with PII scrubbing on (the default) and off.
import { PiiScrubber } from '../agent/snapshots/pii.ts';
import { serializeVariables } from '../agent/snapshots/serialize.ts';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ITERATIONS = opt('iterations', 20000);
const WARMUP = opt('warmup', 2000);
const TARGET_US = 200;

function typicalVariables() {
  const user = {
    id: 48213,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    role: 'admin',
    active: true,
    address: { street: '12 Analytical Row', city: 'London', zip: 'NW1 6XE', country: 'UK', geo: { lat: 51.52, lng: -0.15 } },
    createdAt: new Date('2024-03-01T10:00:00Z'),
  };
  const order = {
    id: 'ord_9f8e7d6c',
    userId: user.id,
    currency: 'EUR',
    status: 'paid',
    items: Array.from({ length: 10 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Widget ${i}`, qty: 1 + (i % 3), price: 9.99 + i })),
    total: 187.4,
  };
  const request = {
    method: 'POST',
    url: '/api/orders?page=2&sort=desc',
    headers: {
      host: 'shop.example.com',
      'content-type': 'application/json',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
      accept: 'application/json',
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
      'x-request-id': 'b7c6a5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d',
    },
    query: { page: '2', sort: 'desc' },
  };
  const error = new Error('payment gateway timeout');
  return {
    user,
    order,
    request,
    error,
    ids: Array.from({ length: 20 }, (_, i) => 100000 + i),
    cache: new Map([
      ['user:48213', { hits: 12, ttl: 300 }],
      ['order:ord_9f8e7d6c', { hits: 3, ttl: 60 }],
      ['cfg', 'v2'],
    ]),
    startedAt: new Date(),
    retries: 2,
    elapsedMs: 153.7,
    label: 'checkout',
    region: 'eu-west-1',
    note: 'customer asked to ship before Friday',
    discountCode: 'SPRING24',
    isFirstOrder: false,
    attempt: 1,
    tenant: 'acme',
    locale: 'en-GB',
    amount: 187.4,
    flags: ['beta', 'fast-checkout'],
    traceHint: null,
  };
}

function measure(label, pii) {
  const vars = typicalVariables();
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += serializeVariables(vars, { pii }).bytes;
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const t = process.hrtime.bigint();
    const r = serializeVariables(vars, { pii });
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
    sink += r.bytes;
  }
  samples.sort();
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  const last = serializeVariables(vars, { pii });
  return {
    label,
    iterations: ITERATIONS,
    median_us: +at(0.5).toFixed(1),
    p90_us: +at(0.9).toFixed(1),
    p99_us: +at(0.99).toFixed(1),
    bytes: last.bytes,
    flags: last.securityFlags.length,
    truncated: last.truncated,
    sink: sink > 0,
  };
}

const results = [measure('pii on', new PiiScrubber()), measure('pii off', undefined)];
if (args.includes('--json')) {
  console.log(JSON.stringify({ node: process.version, target_us: TARGET_US, results }, null, 2));
} else {
  console.log(`snapshot serialize, 20 typical variables, Node ${process.version}, ${ITERATIONS} iterations (target ≤ ${TARGET_US} µs)`);
  for (const r of results) {
    console.log(
      `  ${r.label.padEnd(8)} median ${String(r.median_us).padStart(6)} µs   p90 ${String(r.p90_us).padStart(6)} µs   p99 ${String(r.p99_us).padStart(6)} µs   ${r.bytes} B, ${r.flags} flags${r.truncated ? ', truncated' : ''}   ${r.median_us <= TARGET_US ? 'ok' : 'OVER TARGET'}`,
    );
  }
}
