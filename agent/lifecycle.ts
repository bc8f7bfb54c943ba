/**
 * Flushing at the end of the process without changing how it ends:
 *   - `beforeExit` (the loop ran dry): flush, bounded by 2 s; Node exits normally afterwards.
 *   - SIGTERM / SIGINT: if the app has its own handler, flush in the background and let the app decide; if not,
 *     flush (≤ 2 s) and then re-raise the signal with our handler removed, so the process dies of that signal
 *     exactly as it would without the agent. A second signal during the flush kills at once.
 *   - `exit` (process.exit(), uncaught exception): the loop is gone; send what is left from a worker thread,
 *     blocking for at most the rest of the 2 s budget (export/sync-send.ts).
 */
import type { BatchSpanProcessor } from './export/batch-processor.js';
import type { TraceExporter } from './export/trace-exporter.js';
import { sendSync } from './export/sync-send.js';
import type { SyncRequest } from './export/sync-send.js';
import { debug } from './log.js';

export const SHUTDOWN_BUDGET_MS = 2000;

export interface Flushable {
  processor: BatchSpanProcessor;
  exporter: TraceExporter;
  /** Other flushes that must run at shutdown (metrics, snapshot uploads). */
  extraFlushes: Array<() => Promise<void>>;
  /** What else must be sent synchronously when the process is already exiting (buffered metric points). */
  exitRequests: Array<() => SyncRequest[]>;
  /** Whether a beforeExit flush has anything to do (a flush that finds nothing must not revive the loop). */
  hasPendingWork(): boolean;
}

export function boundedFlush(target: Flushable, budgetMs: number): Promise<void> {
  target.exporter.shutdownDeadline = Date.now() + budgetMs;
  let timer: NodeJS.Timeout | undefined;
  // A referenced timer keeps the loop alive for the flush (export sockets are unref'd) and bounds it.
  const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, budgetMs); });
  const work = Promise.all([target.processor.flush(), ...target.extraFlushes.map((flush) => flush())]).then(() => undefined, () => undefined);
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
    target.exporter.shutdownDeadline = undefined;
  });
}

export function installLifecycle(target: Flushable): () => void {
  let beforeExitFlush: Promise<void> | undefined;

  const onBeforeExit = () => {
    if (beforeExitFlush !== undefined || !target.hasPendingWork()) return;
    beforeExitFlush = boundedFlush(target, SHUTDOWN_BUDGET_MS).finally(() => { beforeExitFlush = undefined; });
  };

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) {
        debug(`${signal}: the app handles it; flushing in the background`);
        void boundedFlush(target, SHUTDOWN_BUDGET_MS);
        return;
      }
      // The app has no handler: Node would have ended the process. Flush, then let the signal do just that.
      process.removeListener(signal, handler);
      debug(`${signal}: flushing before the default action`);
      void boundedFlush(target, SHUTDOWN_BUDGET_MS).then(() => process.kill(process.pid, signal));
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }

  const onExit = () => {
    try {
      const spans = target.processor.takeUnsent();
      const requests: SyncRequest[] = [];
      for (const more of target.exitRequests) requests.push(...more());
      if (spans.length > 0) for (const destination of target.exporter.destinations()) {
        const { body, contentType } = target.exporter.encode(spans, destination.format);
        requests.push({
          url: destination.target.url.href,
          headers: { ...destination.target.headers, 'Content-Type': contentType },
          body,
        });
      }
      if (requests.length > 0) sendSync(requests, SHUTDOWN_BUDGET_MS);
    } catch {
      // Exiting anyway; nothing may change the exit code.
    }
  };

  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  };
}
