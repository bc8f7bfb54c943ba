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
import { contentTypeOf } from './export/trace-exporter.js';
import { sendSync } from './export/sync-send.js';
import type { SyncRequest } from './export/sync-send.js';
import { losses } from './export/loss-report.js';
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

/** Resolves true when everything was flushed, false when the budget ran out first. */
export function boundedFlush(target: Flushable, budgetMs: number): Promise<boolean> {
  target.exporter.shutdownDeadline = Date.now() + budgetMs;
  let timer: NodeJS.Timeout | undefined;
  // A referenced timer keeps the loop alive for the flush (export sockets are unref'd) and bounds it.
  const deadline = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), budgetMs); });
  const work = Promise.all([target.processor.flush(), ...target.extraFlushes.map((flush) => flush())]).then(() => true, () => true);
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
    target.exporter.shutdownDeadline = undefined;
  });
}

/**
 * `tracekit.shutdown()`: everything flushed within the same 2 s budget as the process-end paths; what could not
 * be sent in time is counted as lost, not dropped in silence.
 */
export async function flushForShutdown(target: Flushable): Promise<void> {
  const completed = await boundedFlush(target, SHUTDOWN_BUDGET_MS);
  if (completed) return;
  const unsent = target.processor.takeUnsent().reduce((sum, batch) => sum + batch.count, 0);
  losses.record('spans', unsent, `the backend did not answer within the ${SHUTDOWN_BUDGET_MS / 1000} s shutdown budget`);
  for (const more of target.exitRequests) {
    for (const request of more()) {
      if (request.lost !== undefined) losses.record(request.lost.kind, request.lost.count, `not sent within the ${SHUTDOWN_BUDGET_MS / 1000} s shutdown budget`);
    }
  }
}

export function installLifecycle(target: Flushable): () => void {
  let beforeExitFlush: Promise<boolean> | undefined;
  let backendStuck = false;
  // One 2 s budget for the whole shutdown: a beforeExit or signal flush that ran out of time leaves nothing for the
  // exit flush, so a dead backend delays the end of the process by 2 s in total, never 2 s per step.
  let budgetEndsAt: number | undefined;
  const flushWithinBudget = (): Promise<boolean> => {
    budgetEndsAt ??= Date.now() + SHUTDOWN_BUDGET_MS;
    return boundedFlush(target, Math.max(0, budgetEndsAt - Date.now())).then((completed) => {
      if (completed) budgetEndsAt = undefined;
      else backendStuck = true;
      return completed;
    });
  };

  const onBeforeExit = () => {
    // After a flush that ran out of time, the backend is dead or hanging: flushing again at the next beforeExit
    // would only keep the process alive 2 s at a time, for ever.
    if (beforeExitFlush !== undefined || backendStuck || !target.hasPendingWork()) return;
    beforeExitFlush = flushWithinBudget().finally(() => {
      beforeExitFlush = undefined;
    });
  };

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) {
        debug(`${signal}: the app handles it; flushing in the background`);
        void flushWithinBudget();
        return;
      }
      // The app has no handler: Node would have ended the process. Flush, then let the signal do just that.
      process.removeListener(signal, handler);
      debug(`${signal}: flushing before the default action`);
      // Death by a signal emits no 'exit' event: what could not be flushed is reported here.
      void flushWithinBudget().then(() => {
        onExit();
        process.kill(process.pid, signal);
      });
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }

  let settled = false;
  const onExit = () => {
    if (settled) return;
    settled = true;
    try {
      const batches = target.processor.takeUnsent();
      const requests: SyncRequest[] = [];
      for (const more of target.exitRequests) requests.push(...more());
      target.exporter.destinations().forEach((destination, index) => {
        for (const batch of batches) {
          const body = batch.bodies[destination.format];
          if (body === undefined) continue;
          requests.push({
            url: destination.target.url.href,
            headers: { ...destination.target.headers, 'Content-Type': contentTypeOf(destination.format) },
            body,
            // The configured backend comes first; a Local UI that misses the last spans loses nothing of record.
            lost: index === 0 ? { kind: 'spans', count: batch.count } : undefined,
          });
        }
      });
      const remaining = budgetEndsAt === undefined ? SHUTDOWN_BUDGET_MS : budgetEndsAt - Date.now();
      const skipped = backendStuck || remaining <= 0;
      const statuses = requests.length > 0 && !skipped ? sendSync(requests, remaining) : requests.map(() => 0);
      requests.forEach((request, i) => {
        const status = statuses[i] ?? 0;
        if (request.lost === undefined || (status >= 200 && status < 300)) return;
        const origin = new URL(request.url).origin;
        const why = skipped ? `${origin} did not answer within the ${SHUTDOWN_BUDGET_MS / 1000} s shutdown budget`
          : status === 0 ? `${origin} did not answer before the process ended` : `${origin} answered HTTP ${status} at exit`;
        losses.record(request.lost.kind, request.lost.count, why);
      });
      losses.reportAll('at exit');
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
