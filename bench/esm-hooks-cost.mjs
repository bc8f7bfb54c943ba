// What registering the ESM loader hooks (import-in-the-middle) costs at start-up, on each Node line: the same ESM app
// (test/fixtures/esm-only) under the agent, with a table row that needs the hooks and without one, alternating.
// Reports median wall time and peak RSS of the whole process. `node bench/esm-hooks-cost.mjs [runs]`
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAJORS, nodeBinary } from '../scripts/install-node-versions.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function once(node, withRow) {
  const args = [...(withRow ? ['--import', './test/fixtures/esm-only/row.mjs'] : []), '--import', './register.mjs', 'test/fixtures/esm-only/app.mjs'];
  const started = process.hrtime.bigint();
  const result = spawnSync(node, args, { cwd: root, env: { PATH: process.env.PATH, PRINT_RSS: '1' }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rss = Number(/RSS (\d+)/.exec(result.stdout)?.[1]) / 1024;
  return { ms, rss };
}

const rows = [];
for (const [label, node] of [['20', process.execPath], ...MAJORS.map((m) => [String(m), nodeBinary(m)])]) {
  if (!existsSync(node)) continue;
  const samples = { with: [], without: [] };
  for (let i = 0; i < runs; i++) {
    samples.without.push(once(node, false));
    samples.with.push(once(node, true));
  }
  const ms = (list) => median(list.map((s) => s.ms));
  const rss = (list) => median(list.map((s) => s.rss));
  rows.push({
    node: label,
    mechanism: Number(label) >= 22 ? 'module.registerHooks' : 'module.register',
    startupMsAdded: +(ms(samples.with) - ms(samples.without)).toFixed(1),
    rssMiBAdded: +(rss(samples.with) - rss(samples.without)).toFixed(1),
    baselineMs: +ms(samples.without).toFixed(1),
  });
}
console.table(rows);
