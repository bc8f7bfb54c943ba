/**
 * The last flush when the process is already exiting (`process.exit()`, an uncaught exception): the event loop
 * will not run again, so the POSTs run in a short-lived worker thread while the main thread blocks on
 * Atomics.wait for at most the remaining budget. Measured here: ~75 ms for a worker to start and deliver one batch
 * to a loopback receiver.
 */
import { nodeRequire } from '../node-require.js';
import type { LossKind } from './loss-report.js';

export interface SyncRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** What is lost if this request is not delivered, for the loss report. */
  lost?: { kind: LossKind; count: number };
}

// Plain JS run with `eval`: no file to locate at exit time, no bundle to load.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
let pending = workerData.requests.length;
const done = () => { if (--pending === 0) { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); } };
workerData.requests.forEach((r, i) => {
  try {
    const mod = require(r.url.startsWith('https:') ? 'node:https' : 'node:http');
    const req = mod.request(r.url, { method: 'POST', headers: r.headers }, (res) => {
      Atomics.store(flag, i + 1, res.statusCode || 0);
      res.resume(); res.on('end', done); res.on('error', done);
    });
    req.setTimeout(workerData.timeoutMs, () => req.destroy());
    req.on('error', done);
    req.end(Buffer.from(r.body));
  } catch { done(); }
});
`;

/**
 * Returns, per request, the HTTP status it got within `timeoutMs` (0: no answer in time). Never throws.
 * Index 0 of the shared array is the all-done flag; index i + 1 is request i's status.
 */
export function sendSync(requests: SyncRequest[], timeoutMs: number): number[] {
  if (requests.length === 0) return [];
  if (timeoutMs <= 0) return requests.map(() => 0);
  try {
    const flag = new Int32Array(new SharedArrayBuffer(4 * (requests.length + 1)));
    // Loaded only here, at exit: worker_threads costs ~5 ms to load at start-up.
    const { Worker } = nodeRequire('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Without this the worker would inherit `--import @tracekit/agent/register` and start a second agent.
      execArgv: [],
      workerData: { flag: flag.buffer, requests: requests.map(({ url, headers, body }) => ({ url, headers, body })), timeoutMs },
      stdout: true,
      stderr: true,
    });
    worker.unref();
    Atomics.wait(flag, 0, 0, timeoutMs);
    void worker.terminate();
    return requests.map((_, i) => Atomics.load(flag, i + 1));
  } catch {
    return requests.map(() => 0);
  }
}
