// Load generator child: runs autocannon programmatically and prints one JSON line with the summary.
// Spawned by bench/lib/common.mjs under `taskset -c 0` so it stays off the server's core.
//   node bench/lib/loadgen.mjs '{"url":"http://127.0.0.1:1234/users/42","connections":50,"duration":10}'
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2]);
const r = await autocannon({
  url: opts.url,
  connections: opts.connections ?? 50,
  duration: opts.duration ?? 10,
  pipelining: 1,
});
const total = r.requests.total;
process.stdout.write(
  JSON.stringify({
    duration: r.duration,
    total,
    sent: r.requests.sent,
    rps: total / r.duration,
    rpsAvgSamples: r.requests.average,
    '2xx': r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: { avg: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  }) + '\n',
);
