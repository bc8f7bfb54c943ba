/**
 * Everything the agent had to give up on (spans, metric points, snapshots) is counted and said, never dropped in
 * silence: the first loss of a kind is one warning at once, with its reason; later losses of that kind are summed
 * and reported at most once a minute; whatever is still unreported when the process exits is one last line then.
 * A minute is long enough that a dead backend costs a handful of lines an hour, short enough to notice a problem.
 */
import { warn } from '../log.js';

export type LossKind = 'spans' | 'metric points' | 'snapshots';

export const LOSS_REPORT_INTERVAL_MS = 60_000;
const MAX_REASONS = 8;

const SINGULAR: Record<LossKind, string> = { spans: 'span', 'metric points': 'metric point', snapshots: 'snapshot' };

interface Pending {
  count: number;
  /** reason → count; a handful of distinct reasons at most (one per destination and failure kind). */
  reasons: Map<string, number>;
}

export function countOf(kind: LossKind, n: number): string {
  return `${n} ${n === 1 ? SINGULAR[kind] : kind}`;
}

export class LossReport {
  private readonly lastReport = new Map<LossKind, number>();
  private readonly pending = new Map<LossKind, Pending>();
  private readonly totals = new Map<LossKind, number>();
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly intervalMs = LOSS_REPORT_INTERVAL_MS,
    private readonly write: (line: string) => void = warn,
  ) {}

  total(kind: LossKind): number {
    return this.totals.get(kind) ?? 0;
  }

  /**
   * `firstMessage` is the whole line used when this loss is reported at once (it names the cause); `reason` is the
   * short form used when losses are summed.
   */
  record(kind: LossKind, count: number, reason: string, firstMessage?: string): void {
    if (count <= 0) return;
    const total = this.total(kind) + count;
    this.totals.set(kind, total);
    const last = this.lastReport.get(kind);
    const now = this.now();
    if (last === undefined || now - last >= this.intervalMs) {
      // Anything summed before this one is older than a minute: say it in the same line.
      const earlier = this.pending.get(kind);
      this.pending.delete(kind);
      this.lastReport.set(kind, now);
      const also = earlier === undefined ? '' : `; also ${describe(kind, earlier)} since the last report`;
      this.write(`${firstMessage ?? `${countOf(kind, count)} lost: ${reason}`} (${countOf(kind, total)} lost so far${also})`);
      return;
    }
    let entry = this.pending.get(kind);
    if (entry === undefined) this.pending.set(kind, (entry = { count: 0, reasons: new Map() }));
    entry.count += count;
    // Reasons are few in practice; a cap keeps an unexpected variety (error texts with numbers) from growing the map.
    const key = entry.reasons.has(reason) || entry.reasons.size < MAX_REASONS ? reason : 'other reasons';
    entry.reasons.set(key, (entry.reasons.get(key) ?? 0) + count);
    this.schedule(last + this.intervalMs - now);
  }

  /** Prints every loss not reported yet; for the exit path (synchronous, like every log line). */
  reportAll(when: string): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [kind, entry] of this.pending) {
      this.write(`${when}: ${describe(kind, entry)} ${entry.count === 1 ? 'was' : 'were'} lost since the last report (${countOf(kind, this.total(kind))} lost in all)`);
      this.lastReport.set(kind, this.now());
    }
    this.pending.clear();
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reportAll('in the last minute');
    }, Math.max(0, delayMs));
    // Never keeps the app alive; at exit the exit path reports what is left.
    this.timer.unref();
  }
}

function describe(kind: LossKind, entry: Pending): string {
  const reasons = [...entry.reasons].map(([reason, n]) => (entry.reasons.size === 1 ? reason : `${n}: ${reason}`)).join('; ');
  return `${countOf(kind, entry.count)} (${reasons})`;
}

/** The process-wide report: exporters, buffers and the exit path all count into it. */
export const losses = new LossReport();
