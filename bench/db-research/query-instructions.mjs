// Instructions per query of each variant of query-loop.mjs, counted by valgrind's callgrind in the client process:
// unlike time, the count does not move when other processes load the machine. Each variant runs twice, with
// `--small` and `--large` measured queries after the same warm-up; (I(large) - I(small)) / (large - small) is the
// count per query without start-up and warm-up. Slow (~50x): two runs at a time, a few minutes per driver.
//
// Usage: node bench/db-research/query-instructions.mjs [--drivers pg,redis,ioredis] [--variants ...]
//        [--small 500] [--large 1500] [--jobs 2]                    (npm run build first)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres, startRedis } from '../../test/helpers/db-servers.mjs';
import { cleanEnv, REGISTER, REPO, tracekitEnv } from '../lib/common.mjs';
import { instructionsOf, requireValgrind } from '../lib/callgrind.mjs';
import { startSink } from '../sink.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VARIANTS = ['baseline', 'channel-floor', 'tracekit-ctx', 'tracekit+otel', 'tracekit+light', 'otel-sdk', 'otel-noop'];
const { values: opts } = parseArgs({ options: {
  drivers: { type: 'string', default: 'pg,redis,ioredis' },
  variants: { type: 'string', default: VARIANTS.join(',') },
  small: { type: 'string', default: '500' },
  large: { type: 'string', default: '1500' },
  warmup: { type: 'string', default: '1000' },
  jobs: { type: 'string', default: '2' },
} });

function callgrind(driver, variant, port, count, sinkUrl) {
  const preload = variant.startsWith('tracekit') ? ['--import', REGISTER] : [];
  const env = cleanEnv(variant.startsWith('tracekit') ? tracekitEnv(sinkUrl) : {});
  return instructionsOf(process.execPath, [...preload, path.join(HERE, 'query-loop.mjs'), driver, variant, String(port), String(count), opts.warmup],
    { cwd: REPO, env }).then(({ instructions }) => instructions);
}

/** Runs the thunks with at most `jobs` at a time. */
async function pool(thunks, jobs) {
  const results = new Array(thunks.length);
  let next = 0;
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < thunks.length) {
      const i = next++;
      results[i] = await thunks[i]();
    }
  }));
  return results;
}

requireValgrind('bench/db-research/query-instructions.mjs');
const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
const sink = await startSink({ keepBodies: false });
const ports = { pg: pg.port, redis: redis.port, ioredis: redis.port };
const small = Number(opts.small);
const large = Number(opts.large);
try {
  for (const driver of opts.drivers.split(',')) {
    const variants = opts.variants.split(',').filter((v) => !(driver === 'pg' && v === 'channel-floor'));
    const thunks = variants.flatMap((v) => [small, large].map((n) => () => callgrind(driver, v, ports[driver], n, `http://127.0.0.1:${sink.port}`)));
    const counts = await pool(thunks, Number(opts.jobs));
    console.log(`\n${driver}: instructions per query (client process), ${opts.warmup} warm-up, (I(${large}) - I(${small})) / ${large - small}`);
    let base;
    variants.forEach((variant, i) => {
      const perQuery = (counts[2 * i + 1] - counts[2 * i]) / (large - small);
      base ??= variant === 'baseline' ? perQuery : undefined;
      const delta = base === undefined ? '' : `  +${Math.round(perQuery - base).toLocaleString('en').padStart(7)}  x${(perQuery / base).toFixed(2)}`;
      console.log(`  ${variant.padEnd(15)} ${Math.round(perQuery).toLocaleString('en').padStart(9)}${delta}`);
    });
  }
} finally {
  await sink.close();
  await Promise.all([pg.stop(), redis.stop()]);
}
