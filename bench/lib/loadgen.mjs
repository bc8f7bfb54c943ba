// Load generator child: runs autocannon programmatically and prints one JSON line with the summary.
// Spawned by bench/lib/common.mjs under `taskset -c 0` so it stays off the server's core.
//   node bench/lib/loadgen.mjs '{"url":"http://127.0.0.1:1234/users/42","connections":50,"duration":10}'
// With "pid", /proc snapshots of the server process and the CPUs are taken right before and after the load, so
// the measured window excludes this child's own start-up.
import autocannon from 'autocannon';
import { snapshot } from './common.mjs';

const opts = JSON.parse(process.argv[2]);
const s0 = opts.pid ? snapshot(opts.pid, { withLoadSide: true }) : undefined;
const r = await autocannon({
  url: opts.url,
  connections: opts.connections ?? 50,
  duration: opts.duration ?? 10,
  pipelining: 1,
});
const s1 = opts.pid ? snapshot(opts.pid, { withLoadSide: true }) : undefined;
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
    snapshots: s0 && [s0, s1],
    latencyMs: { avg: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  }) + '\n',
);
