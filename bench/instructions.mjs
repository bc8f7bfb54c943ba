#!/usr/bin/env node
// CPU instructions per request, counted by valgrind's callgrind: a measure that a busy or shared machine does not
// distort (throughput and CPU time do, by preemption, steal and cache pressure).
//
//   node bench/instructions.mjs [--apps express5] [--variants baseline,tracekit,otel] [--node 24]
//                               [--requests 4000,16000] [--out bench/results/instructions.json]
//
// Each variant's server runs twice under callgrind (all threads, GC helpers included), serving the smaller and
// then the larger number of requests (10 keep-alive connections, exports to the in-process sink). Per request =
// (instructions of the larger run − of the smaller) / (difference in requests), so start-up and exit cancel out.
// Reported: instructions per request, and what each agent adds over the baseline. Slow: ~25 s per run.
import { parseArgs } from 'node:util';
import http from 'node:http';
import path from 'node:path';
import { startSink } from './sink.mjs';
import { instructionsOf, requireValgrind } from './lib/callgrind.mjs';
import {
  APPS, REPO, REQUEST_PATH, RESULTS_DIR, appEnv, cleanEnv, environment, fmt, getServerNode, list, useNodeOption, variantSpec, writeJson,
} from './lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    apps: { type: 'string', default: 'express5' },
    variants: { type: 'string', default: 'baseline,tracekit,otel' },
    requests: { type: 'string', default: '4000,16000' },
    node: { type: 'string' },
    out: { type: 'string', default: path.join(RESULTS_DIR, 'instructions.json') },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log('usage: node bench/instructions.mjs [--apps express5] [--variants baseline,tracekit,otel] [--node 24] [--requests 4000,16000] [--out file]');
  process.exit(0);
}
requireValgrind('bench/instructions.mjs');
await useNodeOption(opt.node);
const [small, large] = list(opt.requests).map(Number);
if (!(small > 0 && large > small)) throw new Error('--requests takes two counts, the smaller first');

/** Sends `count` GET requests over 10 keep-alive connections. */
async function sendRequests(port, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      await new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: REQUEST_PATH, agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  agent.destroy();
}

/** Total instructions of one server process under callgrind that served `count` requests. */
async function countInstructions(app, variant, sinkUrl, count) {
  const spec = variantSpec(variant, sinkUrl);
  const { instructions } = await instructionsOf(getServerNode(), [...spec.nodeArgs, APPS[app]], {
    cwd: REPO,
    env: cleanEnv({ ...appEnv, ...spec.env, PORT: '0' }),
    async whileRunning(child, output) {
      const port = await new Promise((resolve) => {
        const onData = () => {
          const match = /LISTENING (\d+)/.exec(output());
          if (match) {
            child.stdout.off('data', onData);
            resolve(Number(match[1]));
          }
        };
        child.stdout.on('data', onData);
      });
      await sendRequests(port, count);
    },
  });
  return instructions;
}

const sink = await startSink();
const rows = [];
for (const app of list(opt.apps)) {
  for (const variant of list(opt.variants)) {
    const smallRun = await countInstructions(app, variant, sink.url, small);
    const largeRun = await countInstructions(app, variant, sink.url, large);
    const perRequest = (largeRun - smallRun) / (large - small);
    rows.push({ app, variant, perRequest, smallRun, largeRun });
    console.log(`${app} ${variant}: ${fmt(perRequest)} instructions/request`);
  }
}
await sink.close?.();

console.log('\n| app | variant | instructions/request | added | × baseline |\n|---|---|---:|---:|---:|');
for (const row of rows) {
  const base = rows.find((r) => r.app === row.app && r.variant === 'baseline')?.perRequest;
  row.added = base === undefined ? undefined : row.perRequest - base;
  row.ratio = base === undefined ? undefined : row.perRequest / base;
  console.log(`| ${row.app} | ${row.variant} | ${fmt(row.perRequest)} | ${row.added === undefined ? '–' : `+${fmt(row.added)}`} | ${row.ratio === undefined ? '–' : row.ratio.toFixed(3)} |`);
}
writeJson(opt.out, { benchmark: 'instructions', options: { requests: [small, large] }, environment: environment(), rows });
console.log(`wrote ${path.relative(process.cwd(), opt.out)}`);
