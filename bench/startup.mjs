#!/usr/bin/env node
// Start-up cost: wall time of `node -e 0` with and without an agent.
//
//   node bench/startup.mjs [--runs 30] [--warmup 5] [--variants node,tracekit,tracekit-endpoint,otel,ddtrace]
//                          [--tool auto|hyperfine|node] [--block 5] [--pin] [--node 24] [--out bench/results/startup.json]
//
// Variants:
//   node               node -e 0
//   tracekit           node --import <repo>/register.mjs -e 0     (no TRACEKIT_API_KEY, no endpoint: nothing to send)
//   tracekit-endpoint  same, with TRACEKIT_ENDPOINT=<sink> TRACEKIT_API_KEY=ctxio_bench TRACEKIT_SERVICE_NAME=bench
//   otel               node --require @opentelemetry/auto-instrumentations-node/register -e 0  (OTLP to a sink)
//
// Tool: hyperfine when installed (`--tool auto`, the default), called once per block of --block runs so that the
// variants alternate block by block. The built-in Node loop (`--tool node`, or when hyperfine is missing) alternates
// them run by run (spawnSync + hrtime). Alternating keeps a drifting machine load from landing on one variant. The sinks run in child processes (bench/sink.mjs) so that
// spawnSync never blocks them.
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BENCH_DIR, REPO, REGISTER, RESULTS_DIR, cleanEnv, environment, fmt, hasTaskset, list, median, otelEnv, tracekitEnv, ddtraceEnv,
  waitIdle, writeJson, SERVER_CORE, getServerNode, useNodeOption,
} from './lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    variants: { type: 'string', default: 'node,tracekit,tracekit-endpoint,otel,ddtrace' },
    tool: { type: 'string', default: 'auto' },
    block: { type: 'string', default: '5' },
    pin: { type: 'boolean', default: false },
    node: { type: 'string' },
    out: { type: 'string', default: path.join(RESULTS_DIR, 'startup.json') },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log('usage: node bench/startup.mjs [--runs 30] [--warmup 5] [--variants node,tracekit,tracekit-endpoint,otel,ddtrace] [--tool auto|hyperfine|node] [--block 5] [--pin] [--node 24] [--out file]');
  process.exit(0);
}
const runs = Number(opt.runs);
const warmup = Number(opt.warmup);
const variants = list(opt.variants);
const blockSize = Math.max(1, Number(opt.block));
const hyperfineAvailable = spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
let tool = opt.tool === 'auto' ? (hyperfineAvailable ? 'hyperfine' : 'node') : opt.tool;
if (tool === 'hyperfine' && !hyperfineAvailable) {
  console.warn('hyperfine is not installed; using the Node loop');
  tool = 'node';
}
const pin = opt.pin && hasTaskset();
if (opt.pin && !pin) console.warn('taskset missing: running unpinned');

// ---------------------------------------------------------------- sinks (child processes)
function startSinkChild() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(BENCH_DIR, 'sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^LISTENING (\d+)$/m.exec(out);
      if (m && !child.port) {
        child.port = Number(m[1]);
        child.url = `http://127.0.0.1:${child.port}`;
        child.finish = () =>
          new Promise((r) => {
            child.on('exit', () => {
              try {
                r(JSON.parse(out.slice(out.indexOf('{'))));
              } catch {
                r(undefined);
              }
            });
            child.kill('SIGTERM');
          });
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
}

const sinks = {};
for (const v of variants) if (v === 'tracekit-endpoint' || v === 'otel' || v === 'ddtrace') sinks[v] = await startSinkChild();

// ---------------------------------------------------------------- commands
const register = pathToFileURL(REGISTER).href;
const otelRegister = '@opentelemetry/auto-instrumentations-node/register';
const specs = {
  node: { args: ['-e', '0'], env: {} },
  tracekit: { args: ['--import', register, '-e', '0'], env: {} },
  'tracekit-endpoint': { args: ['--import', register, '-e', '0'], env: () => tracekitEnv(sinks['tracekit-endpoint'].url) },
  otel: { args: ['--require', otelRegister, '-e', '0'], env: () => otelEnv(sinks.otel.url) },
  ddtrace: { args: ['--require', 'dd-trace/init', '-e', '0'], env: () => ddtraceEnv(sinks.ddtrace.url) },
};
for (const v of variants) if (!specs[v]) throw new Error(`unknown variant ${v} (known: ${Object.keys(specs).join(', ')})`);
await useNodeOption(opt.node);
const nodeUnderTest = getServerNode();
const commands = variants.map((name) => {
  const s = specs[name];
  const env = typeof s.env === 'function' ? s.env() : s.env;
  const argv = [nodeUnderTest, ...s.args];
  return { name, argv: pin ? ['taskset', '-c', String(SERVER_CORE), ...argv] : argv, env };
});

const env = environment();
console.log(`# bench/startup.mjs  tool=${tool} runs=${runs} warmup=${warmup} pinned=${pin ? `CPU ${SERVER_CORE}` : 'no'}  node ${env.node}, ${env.cpu} ×${env.cpus}`);
if (variants.some((v) => v.startsWith('tracekit')) && !existsSync(REGISTER)) console.warn(`WARNING: ${REGISTER} does not exist yet`);
const w = await waitIdle({ maxMs: 60_000 });
if (w.waitedMs > 500) console.log(`(waited ${fmt(w.waitedMs / 1000, 1)} s for other processes)`);

// Check every command once; a failing variant is reported, not timed.
const results = {};
const active = [];
for (const c of commands) {
  const r = spawnSync(c.argv[0], c.argv.slice(1), { cwd: REPO, env: cleanEnv(c.env), encoding: 'utf8' });
  results[c.name] = { command: displayCommand(c), stderr: r.stderr.trim().slice(-3000) || undefined, stdout: r.stdout.trim().slice(-1000) || undefined };
  if (r.status !== 0) {
    results[c.name].failed = `exit code ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`;
    console.log(`${c.name}: FAILED (${results[c.name].failed})\n${indent(results[c.name].stderr ?? '')}`);
  } else active.push(c);
}

function displayCommand(c) {
  return [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.argv.map((a) => (a === nodeUnderTest ? 'node' : a))].join(' ');
}
function indent(s) {
  return s.split('\n').map((l) => '    | ' + l).join('\n');
}

if (tool === 'hyperfine') {
  // hyperfine runs each command's runs back to back; to keep a drifting machine load from landing on one variant,
  // the runs are split into blocks of --block and hyperfine is called once per block, so the variants alternate
  // block by block (the warm-up runs only in the first block).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tracekit-startup-'));
  const file = path.join(dir, 'hyperfine.json');
  const times = Object.fromEntries(active.map((c) => [c.name, []]));
  const exitCodes = Object.fromEntries(active.map((c) => [c.name, new Set()]));
  for (let done = 0, block = 0; done < runs; block++) {
    const n = Math.min(blockSize, runs - done);
    const args = ['-N', '--warmup', String(block === 0 ? warmup : 0), '--runs', String(n), '--export-json', file, '--style', 'none'];
    if (n < 2) args.push('--min-runs', '1');
    // Every command goes through `env` (also the baseline) so the exec of env costs all variants the same.
    for (const c of active) args.push('-n', c.name, ['env', ...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.argv].join(' '));
    const r = spawnSync('hyperfine', args, { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`hyperfine failed with ${r.status}`);
    for (const res of JSON.parse(readFileSync(file, 'utf8')).results) {
      times[res.command].push(...res.times.map((t) => t * 1000));
      for (const e of res.exit_codes) exitCodes[res.command].add(e);
    }
    done += n;
    process.stdout.write(`  hyperfine block ${block + 1}: ${done}/${runs} runs\r`);
  }
  process.stdout.write('\n');
  rmSync(dir, { recursive: true, force: true });
  for (const c of active) Object.assign(results[c.name], stats(times[c.name]), { exitCodes: [...exitCodes[c.name]] });
} else {
  const time = (c) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(c.argv[0], c.argv.slice(1), { cwd: REPO, env: cleanEnv(c.env), stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status} during timing`);
    return ms;
  };
  for (let i = 0; i < warmup; i++) for (const c of active) time(c);
  const times = Object.fromEntries(active.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) for (const c of active) times[c.name].push(time(c));
  for (const c of active) Object.assign(results[c.name], stats(times[c.name]));
}

function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  return {
    runs: s.length,
    medianMs: median(s),
    meanMs: s.reduce((a, b) => a + b, 0) / s.length,
    minMs: s[0],
    p90Ms: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))],
    timesMs: times.map((t) => Number(t.toFixed(2))),
  };
}

const sinkReports = {};
for (const [v, s] of Object.entries(sinks)) sinkReports[v] = await s.finish();

const base = results.node?.medianMs;
const baseMin = results.node?.minMs;
const lines = [
  '| variant | median ms | mean ms | min ms | p90 ms | added (median) ms | added (min) ms | exports received |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const v of variants) {
  const r = results[v];
  if (r.failed) {
    lines.push(`| ${v} | **failed**: ${r.failed} | – | – | – | – | – | – |`);
    continue;
  }
  r.addedMs = v === 'node' ? 0 : r.medianMs - base;
  r.addedMinMs = v === 'node' ? 0 : r.minMs - baseMin;
  const sinkInfo = sinkReports[v] ? `${sinkReports[v].requests} POSTs, ${sinkReports[v].spans} spans` : '–';
  lines.push(
    `| ${v} | ${fmt(r.medianMs, 1)} | ${fmt(r.meanMs, 1)} | ${fmt(r.minMs, 1)} | ${fmt(r.p90Ms, 1)} | ${v === 'node' ? '–' : fmt(r.addedMs, 1)} | ${v === 'node' ? '–' : fmt(r.addedMinMs, 1)} | ${sinkInfo} |`,
  );
}
const table = lines.join('\n');
console.log('\n' + table + '\n');
for (const v of variants) console.log(`${v}: ${results[v].command}`);
for (const v of variants.filter((x) => results[x].stderr && !results[x].failed)) console.log(`\n${v} stderr:\n${indent(results[v].stderr)}`);
writeJson(opt.out, {
  benchmark: 'startup',
  options: { runs, warmup, variants, tool, block: tool === 'hyperfine' ? blockSize : undefined, pinned: pin },
  environment: env,
  results,
  sinks: sinkReports,
  table,
});
console.log(`\nwrote ${path.relative(process.cwd(), opt.out)}`);
