// Added cost per database query: a loop of 10,000 simple queries against real PostgreSQL and Redis (and, with
// --drivers, MariaDB through mysql2), without any agent (baseline), under the agent, and under OpenTelemetry's
// zero-code SDK (auto-instrumentations-node, OTLP to a local sink), all in the same run. Each round runs every
// variant once per driver in a rotating order, so the variants share the machine's conditions; the medians of
// the rounds are printed with their ratio to the baseline. The servers and the sink run on CPU 0, the measured
// client on CPU 1 (when taskset works). Wall time per query is what the targets are about; the client's CPU time
// per query is printed too, as it moves much less when other processes share the machine.
//
// Usage: npm run build && node bench/db-queries.mjs [--rounds 5] [--count 10000] [--drivers pg,redis,ioredis] [--node 24]
//
// --instructions [--node 24]: instead of timing, counts the client's instructions per query under callgrind (the
// loop run with 10,000 and with 30,000 queries, per query = the difference / the difference in queries, warm-ups
// included, so start-up and exit cancel out). For a machine whose timings move from run to run; the server's
// side and the kernel's part of each query are not counted, so the ratios are of the client's own work.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startMariadb, startPostgres, startRedis } from '../test/helpers/db-servers.mjs';
import { BENCH_DIR, REPO, cleanEnv, getServerNode, median, pinned, pinSelf, useNodeOption, variantSpec } from './lib/common.mjs';
import { instructionsOf, requireValgrind } from './lib/callgrind.mjs';
import { countSpans, startSink } from './sink.mjs';

const VARIANTS = ['baseline', 'tracekit', 'otel'];
const { values: opts } = parseArgs({ options: {
  rounds: { type: 'string', default: '5' },
  count: { type: 'string', default: '10000' },
  drivers: { type: 'string', default: 'pg,redis,ioredis' },
  instructions: { type: 'boolean', default: false },
  node: { type: 'string' },
} });
const drivers = opts.drivers.split(',');
const count = Number(opts.count);

function measure(driver, variant, port, sinkUrl) {
  const spec = variantSpec(variant, sinkUrl);
  const [file, args] = pinned(1, getServerNode(), [...spec.nodeArgs, path.join(BENCH_DIR, 'db-query-loop.mjs'), driver, String(port), String(count)]);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: REPO, env: cleanEnv(spec.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${driver}/${variant} exited ${code}:\n${err}`));
      resolve({ ...JSON.parse(out.trim().split('\n').pop()), stderr: err.trim() });
    });
  });
}

if (opts.instructions) requireValgrind('bench/db-queries.mjs --instructions');
await useNodeOption(opts.node);
if (!opts.instructions) pinSelf(0); // the servers started below inherit CPU 0
const [pg, redis, mysql] = await Promise.all([
  drivers.includes('pg') ? startPostgres() : undefined,
  drivers.some((d) => d === 'redis' || d === 'ioredis') ? startRedis() : undefined,
  drivers.includes('mysql2') ? startMariadb() : undefined,
]);
const ports = { pg: pg?.port, redis: redis?.port, ioredis: redis?.port, mysql2: mysql?.port };
const sink = await startSink();
const sinkUrl = `http://127.0.0.1:${sink.port}`;
const results = {};
if (opts.instructions) {
  try {
    await countInstructions();
  } finally {
    await sink.close();
    await Promise.all([pg, redis, mysql].filter(Boolean).map((server) => server.stop()));
  }
  process.exit(0);
}
try {
  for (let round = 0; round < Number(opts.rounds); round++) {
    for (const driver of drivers) {
      const order = [...VARIANTS.slice(round % VARIANTS.length), ...VARIANTS.slice(0, round % VARIANTS.length)];
      for (const variant of order) {
        sink.take();
        const result = await measure(driver, variant, ports[driver], sinkUrl);
        // Give the exit flush its moment, then count what arrived: proof that the variant really made spans.
        const spans = countSpans(sink.take()).spans;
        const entry = ((results[driver] ??= {})[variant] ??= { wall: [], cpu: [], spans: [] });
        entry.wall.push(result.usPerQuery);
        entry.cpu.push(result.cpuUsPerQuery);
        entry.spans.push(spans);
        console.log(`round ${round + 1} ${driver.padEnd(7)} ${variant.padEnd(8)} ${result.usPerQuery.toFixed(1).padStart(7)} µs/query` +
          `  cpu ${result.cpuUsPerQuery.toFixed(1).padStart(6)} µs  spans=${spans}${result.stderr ? `  stderr: ${result.stderr.split('\n')[0]}` : ''}`);
      }
    }
  }
} finally {
  await sink.close();
  await Promise.all([pg, redis, mysql].filter(Boolean).map((server) => server.stop()));
}

console.log(`\nmedian of ${opts.rounds} rounds, ${count} queries each, Node ${serverNodeVersion()}`);
for (const driver of drivers) {
  const base = results[driver].baseline;
  console.log(`\n${driver}`);
  for (const variant of VARIANTS) {
    const r = results[driver][variant];
    const wall = median(r.wall);
    const cpu = median(r.cpu);
    // Each round ran the variants back to back: the median of the per-round ratios pairs runs that shared the
    // machine's conditions, which matters when other processes come and go.
    const paired = median(r.wall.map((w, i) => w / base.wall[i]));
    console.log(`  ${variant.padEnd(8)} wall ${wall.toFixed(1).padStart(6)} µs  x${(wall / median(base.wall)).toFixed(3)} (paired x${paired.toFixed(3)})` +
      `   client cpu ${cpu.toFixed(1).padStart(6)} µs  x${(cpu / median(base.cpu)).toFixed(3)}` +
      `   [wall ${r.wall.map((x) => x.toFixed(0)).join('/')}]  spans ${median(r.spans)}`);
  }
}

/** The --instructions mode: one table of instructions per query, per driver and variant. */
async function countInstructions() {
  const [small, large] = [10_000, 30_000];
  // db-query-loop.mjs warms up with max(1000, count / 5) queries before the timed ones.
  const queries = (n) => n + Math.max(1000, n / 5);
  console.log(`instructions per query (callgrind), Node ${serverNodeVersion()}`);
  console.log('| driver | variant | instructions/query | added | × baseline |\n|---|---|---:|---:|---:|');
  for (const driver of drivers) {
    let base;
    for (const variant of VARIANTS) {
      const spec = variantSpec(variant, sinkUrl);
      const run = async (n) => (await instructionsOf(getServerNode(), [...spec.nodeArgs, path.join(BENCH_DIR, 'db-query-loop.mjs'), driver, String(ports[driver]), String(n)],
        { cwd: REPO, env: cleanEnv(spec.env) })).instructions;
      const [a, b] = await Promise.all([run(small), run(large)]);
      const perQuery = (b - a) / (queries(large) - queries(small));
      base ??= perQuery;
      console.log(`| ${driver} | ${variant} | ${Math.round(perQuery).toLocaleString('en-US')} | +${Math.round(perQuery - base).toLocaleString('en-US')} | ${(perQuery / base).toFixed(3)} |`);
    }
  }
}

function serverNodeVersion() {
  return spawnSync(getServerNode(), ['--version'], { encoding: 'utf8' }).stdout.trim();
}
