// Start-up of an app that never loads a database driver, with the agent of this checkout against the agent of a
// reference build (another checkout's register.mjs, built from before the database rows), alternating run by run
// so that a drifting machine load lands on both alike. Prints the median wall time of `node --import … -e 0` per
// variant, and of plain `node -e 0`.
//
// Usage: node bench/db-startup.mjs --reference /path/to/other/checkout [--runs 40]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, cleanEnv, median } from './lib/common.mjs';

const { values: opts } = parseArgs({ options: { reference: { type: 'string' }, runs: { type: 'string', default: '40' } } });
if (!opts.reference) throw new Error('--reference <checkout> is required (a built checkout without the database rows)');
const variants = {
  node: [],
  reference: ['--import', path.join(path.resolve(opts.reference), 'register.mjs')],
  'this checkout': ['--import', path.join(REPO, 'register.mjs')],
};
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const env = cleanEnv();
for (let run = 0; run < Number(opts.runs) + 3; run++) {
  for (const [name, args] of Object.entries(variants)) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [...args, '-e', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
    if (run >= 3) times[name].push(ms); // the first runs warm the file cache
  }
}
for (const [name, list] of Object.entries(times)) console.log(`${name.padEnd(14)} median ${median(list).toFixed(1)} ms  (${list.length} runs)`);
