// Runs query-ab.mjs (interleaved A/B inside one process) against real PostgreSQL and Redis: for each run, driver
// and tracer (the agent, the OTel SDK, no tracer), then prints the median over the runs of each variant's µs/query
// and its ratio to `none` in the same process. Servers and sink on CPU 0, the client on CPU 1 (when taskset works).
//
// Usage: node bench/db-research/query-ab-run.mjs [--runs 3] [--rounds 20] [--block 500] [--drivers pg,redis,ioredis]
//        [--tracers agent,sdk,noop]                       (npm run build first: the agent runs from dist/)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres, startRedis } from '../../test/helpers/db-servers.mjs';
import { cleanEnv, median, pinned, pinSelf, REGISTER, tracekitEnv } from '../lib/common.mjs';
import { startSink } from '../sink.mjs';
import { runJsonChild } from './drivers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ options: {
  runs: { type: 'string', default: '3' },
  rounds: { type: 'string', default: '20' },
  block: { type: 'string', default: '500' },
  drivers: { type: 'string', default: 'pg,redis,ioredis' },
  tracers: { type: 'string', default: 'agent,sdk,noop' },
} });

function runChild(driver, port, tracer, sinkUrl) {
  const preload = tracer === 'agent' ? ['--import', REGISTER] : [];
  const env = cleanEnv(tracer === 'agent' ? tracekitEnv(sinkUrl) : {});
  const [file, args] = pinned(1, process.execPath, [...preload, path.join(HERE, 'query-ab.mjs'), driver, String(port), tracer, opts.rounds, opts.block]);
  return runJsonChild(`${driver}/${tracer}`, file, args, env);
}

pinSelf(0);
const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
const sink = await startSink({ keepBodies: false });
const ports = { pg: pg.port, redis: redis.port, ioredis: redis.port };
const all = {}; // `${driver} ${tracer}` → variant → [{ wall, cpu }]
try {
  for (let run = 0; run < Number(opts.runs); run++) {
    for (const driver of opts.drivers.split(',')) {
      for (const tracer of opts.tracers.split(',')) {
        const { result } = await runChild(driver, ports[driver], tracer, `http://127.0.0.1:${sink.port}`);
        for (const [variant, r] of Object.entries(result)) ((all[`${driver} ${tracer}`] ??= {})[variant] ??= []).push(r);
        console.log(`run ${run + 1} ${driver} ${tracer}: ${Object.entries(result).map(([v, r]) => `${v} ${r.wall.toFixed(1)}/${r.cpu.toFixed(1)}`).join('  ')}`);
      }
    }
  }
} finally {
  await sink.close();
  await Promise.all([pg.stop(), redis.stop()]);
}

console.log(`\nmedian of ${opts.runs} runs; each run ${opts.rounds} rounds × ${opts.block} queries per variant, interleaved in one process`);
console.log('wall = µs per query, ratio = wall / wall of `none` in the same process; cpu = client CPU µs per query');
for (const [key, variants] of Object.entries(all)) {
  const ratios = (v) => variants[v].map((r, i) => r.wall / variants.none[i].wall);
  console.log(`\n${key}`);
  for (const v of Object.keys(variants)) {
    const wall = median(variants[v].map((r) => r.wall));
    const cpu = median(variants[v].map((r) => r.cpu));
    const cpuNone = median(variants.none.map((r) => r.cpu));
    console.log(`  ${v.padEnd(6)} wall ${wall.toFixed(1).padStart(6)} µs  x${median(ratios(v)).toFixed(3)}   cpu ${cpu.toFixed(1).padStart(6)} µs (+${(cpu - cpuNone).toFixed(1)})` +
      `   [x ${ratios(v).map((x) => x.toFixed(3)).join(' / ')}]`);
  }
}
