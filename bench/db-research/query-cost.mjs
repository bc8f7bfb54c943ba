// Cost per query of the candidate database instrumentations, side by side in one run: starts PostgreSQL and Redis
// (test/helpers/db-servers.mjs), then for each round and driver runs every variant of query-loop.mjs once, in a
// rotating order so that all variants share the machine's conditions, and prints the median µs/query of the rounds
// with the ratio to the baseline. The servers and the OTLP sink run on CPU 0, the measured client on CPU 1 (when
// taskset works). The agent's spans are counted at the sink, the SDK's by its exporter, to show that every variant
// really made its spans.
//
// Usage: node bench/db-research/query-cost.mjs [--rounds 3] [--count 10000] [--drivers pg,redis,ioredis]
//        [--variants baseline,tracekit-ctx,...]      (npm run build first: the tracekit variants load dist/)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres, startRedis } from '../../test/helpers/db-servers.mjs';
import { cleanEnv, median, pinned, pinSelf, REGISTER, tracekitEnv } from '../lib/common.mjs';
import { countSpans, startSink } from '../sink.mjs';
import { runJsonChild } from './drivers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VARIANTS = ['baseline', 'channel-floor', 'tracekit-ctx', 'tracekit+otel', 'tracekit+light', 'otel-sdk', 'otel-noop'];
const { values: opts } = parseArgs({ options: {
  rounds: { type: 'string', default: '3' },
  count: { type: 'string', default: '10000' },
  drivers: { type: 'string', default: 'pg,redis,ioredis' },
  variants: { type: 'string', default: VARIANTS.join(',') },
} });
const drivers = opts.drivers.split(',');
const variants = opts.variants.split(',');
const applies = (driver, variant) => !(driver === 'pg' && variant === 'channel-floor'); // pg has no channels

function runChild(driver, variant, port, sinkUrl) {
  const preload = variant.startsWith('tracekit') ? ['--import', REGISTER] : [];
  const env = cleanEnv(variant.startsWith('tracekit') ? tracekitEnv(sinkUrl) : {});
  const [file, args] = pinned(1, process.execPath, [...preload, path.join(HERE, 'query-loop.mjs'), driver, variant, String(port), opts.count]);
  return runJsonChild(`${driver}/${variant}`, file, args, env);
}

pinSelf(0); // the servers started below inherit CPU 0
const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
const sink = await startSink();
const sinkUrl = `http://127.0.0.1:${sink.port}`;
const ports = { pg: pg.port, redis: redis.port, ioredis: redis.port };
const results = {}; // driver → variant → { wall: [µs], cpu: [µs] }
try {
  for (let round = 0; round < Number(opts.rounds); round++) {
    for (const driver of drivers) {
      const order = variants.filter((v) => applies(driver, v));
      const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
      for (const variant of rotated) {
        sink.take();
        const result = await runChild(driver, variant, ports[driver], sinkUrl);
        const spans = variant.startsWith('tracekit') ? countSpans(sink.take()).spans : result.spansEnded;
        const entry = ((results[driver] ??= {})[variant] ??= { wall: [], cpu: [] });
        entry.wall.push(result.usPerQuery);
        entry.cpu.push(result.cpuUsPerQuery);
        console.log(`round ${round + 1} ${driver.padEnd(7)} ${variant.padEnd(15)} ${result.usPerQuery.toFixed(1).padStart(7)} µs/query` +
          ` cpu ${result.cpuUsPerQuery.toFixed(1).padStart(6)} µs` +
          `${spans === undefined ? '' : `  spans=${spans}`}${result.warnings ? `  stderr: ${result.warnings.split('\n')[0]}` : ''}`);
      }
    }
  }
} finally {
  await sink.close();
  await Promise.all([pg.stop(), redis.stop()]);
}

console.log(`\nmedian of ${opts.rounds} rounds, ${opts.count} queries each (Node ${process.version}); wall = time per query,`);
console.log('cpu = client CPU per query; "est." = baseline wall + the variant\'s extra client CPU, over baseline wall');
for (const driver of drivers) {
  const baseWall = median(results[driver].baseline?.wall ?? [NaN]);
  const baseCpu = median(results[driver].baseline?.cpu ?? [NaN]);
  console.log(`\n${driver}`);
  for (const variant of variants.filter((v) => applies(driver, v))) {
    const wall = median(results[driver][variant].wall);
    const cpu = median(results[driver][variant].cpu);
    const all = results[driver][variant].wall.map((x) => x.toFixed(0)).join('/');
    console.log(`  ${variant.padEnd(15)} wall ${wall.toFixed(1).padStart(6)} µs x${(wall / baseWall).toFixed(2)}` +
      `   cpu ${cpu.toFixed(1).padStart(6)} µs (+${(cpu - baseCpu).toFixed(1).padStart(5)})` +
      `   est. x${((baseWall + cpu - baseCpu) / baseWall).toFixed(3)}   [wall ${all}]`);
  }
}
