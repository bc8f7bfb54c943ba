/**
 * The bundled entry behind register.mjs / register.cjs: guards, then startAgent. Never throws: any failure is
 * one line on stderr and the app runs untraced.
 */
import { esmModuleNames } from './instrument/extensions.js';
import { warn, warnOnce } from './log.js';
import { startAgent } from './start.js';
import type { RunningAgent, StartOptions } from './start.js';

const kAgent = Symbol.for('tracekit.agent');

type GlobalWithAgent = typeof globalThis & { [kAgent]?: RunningAgent | null };

/**
 * Worker threads replace the process functions they cannot run with `unavailableInWorker` stubs (Node 20-26).
 * Checking that name avoids loading worker_threads (and with it the streams machinery, ~5 ms) just to read
 * isMainThread. Should Node rename it, the agent would also start inside workers: wasteful, not harmful.
 */
function inWorkerThread(): boolean {
  return (process.chdir as { name?: string }).name === 'unavailableInWorker';
}

export function register(options: StartOptions): void {
  const g = globalThis as GlobalWithAgent;
  // Loaded twice (--import and -r, or in NODE_OPTIONS and on the command line): the first load wins, the rest do
  // nothing. Said once, because it usually means a setup with two places that each add the agent.
  if (g[kAgent] !== undefined) {
    warnOnce('loaded-twice', '@tracekit/agent/register was loaded twice (check NODE_OPTIONS and the command line); the second load does nothing');
    return;
  }
  g[kAgent] = null;
  // Worker threads inherit --import; one agent per process (the main thread's) is enough.
  if (inWorkerThread()) return;
  try {
    g[kAgent] = startAgent(options) ?? null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Through the log, which scrubs the API key from the message (an exception may quote a header value).
    warn(`the agent could not start (${message}); the app runs untraced`);
  }
}

/**
 * What the ESM loader hooks must intercept because an ESM app can load it without `require`: the targets of the
 * instrumentation table marked `esm` (ESM-only packages such as the openai and Anthropic SDKs' ESM builds and
 * NestJS 12), as bare specifiers or, for a file inside a package, a pattern on its URL. Empty unless the app uses
 * one of them, so the loader hooks and their start-up price are normally skipped.
 */
export function esmModules(): (string | RegExp)[] {
  try {
    return esmModuleNames();
  } catch {
    return [];
  }
}
