// What the runtime metrics cost: an idle app under the agent collects them every second for 20 s (ten times the
// default rate), then reports the CPU time the collection itself used, per interval and as a share of one core.
//   node bench/runtime-metrics-cost.mjs
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../test/helpers/receiver.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const receiver = await startReceiver();
const script = `
  setTimeout(() => {
    const agent = globalThis[Symbol.for('tracekit.agent')];
    const cpu = agent.runtimeMetrics.ownCpuMicros;
    console.log('RESULT ' + JSON.stringify({ cpuMicros: cpu }));
  }, 20_500);
`;
// Asynchronous: the receiver in this process must answer the agent's metric exports meanwhile.
const result = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--import', './register.mjs', '-e', script], {
    cwd: root,
    env: { PATH: process.env.PATH, TRACEKIT_ENDPOINT: receiver.url, TRACEKIT_API_KEY: 'ctxio_bench', TRACEKIT_RUNTIME_METRICS_INTERVAL_MS: '1000' },
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.on('exit', () => resolve({ stdout }));
});
await receiver.close();
const { cpuMicros } = JSON.parse(/RESULT (.*)/.exec(result.stdout)[1]);
const intervals = 20;
console.log(`runtime metrics: ${(cpuMicros / intervals).toFixed(0)} µs of CPU per collection; at the default 10 s interval ` +
  `that is ${((cpuMicros / intervals) / 10_000_000 * 100).toFixed(4)} % of one core (target ≤ 0.1 %)`);
