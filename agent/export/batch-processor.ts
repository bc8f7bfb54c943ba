/**
 * Collects ended, sampled spans and hands them to the exporter in batches.
 * Bounded: when the queue is full, new spans are dropped and counted (never an unbounded array behind a dead
 * backend). One export runs at a time; spans that end meanwhile wait in the queue.
 *
 * Why not the SDK's BatchSpanProcessor: it expects SDK ReadableSpans and runs the SDK exporter; our spans are
 * already in export shape (measured: encoding at batch time is cheaper than encoding each span as it ends).
 */
import type { Span, SpanSink } from '../trace/span.js';
import { losses } from './loss-report.js';

export interface BatchOptions {
  scheduleDelayMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export type ExportFn = (spans: Span[]) => Promise<void>;

export class BatchSpanProcessor implements SpanSink {
  private queue: Span[] = [];
  private timer: NodeJS.Timeout | undefined = undefined;
  private exporting: Promise<void> | undefined = undefined;
  private inFlight: Span[] = [];
  private stopped = false;
  droppedSpans = 0;
  /**
   * Drops not yet handed to the loss report. A full queue means an export is in flight (a full batch starts one),
   * so they are reported when it settles: one report call per batch instead of one per dropped span, which matters
   * when the backend is down and every request of a busy app lands here.
   */
  private unreportedDrops = 0;

  constructor(
    private readonly options: BatchOptions,
    private readonly exportBatch: ExportFn,
  ) {}

  onEnd(span: Span): void {
    if ((span.traceFlags & 1) === 0 || this.stopped) return;
    const queue = this.queue;
    if (queue.length >= this.options.maxQueueSize) {
      this.droppedSpans++;
      if (this.unreportedDrops++ === 0 && this.exporting === undefined) this.reportDrops();
      return;
    }
    queue.push(span);
    if (queue.length >= this.options.maxExportBatchSize) {
      if (this.exporting === undefined) this.startExport();
    } else if (this.timer === undefined && this.exporting === undefined) {
      this.timer = setTimeout(this.onTimer, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Exports everything queued now (and waits for an export already running). */
  async flush(): Promise<void> {
    while (this.exporting !== undefined || this.queue.length > 0) {
      if (this.exporting === undefined) this.startExport();
      await this.exporting;
    }
  }

  get isExporting(): boolean {
    return this.exporting !== undefined;
  }

  /**
   * For the synchronous exit path: the queued spans plus the batch whose export is still in flight (the process
   * is about to die, so that request will not complete). At-least-once: if the server did get the in-flight
   * batch, it sees those spans twice, which beats losing the spans of a crash.
   */
  takeUnsent(): Span[] {
    this.reportDrops();
    const spans = this.inFlight.length === 0 ? this.queue : this.inFlight.concat(this.queue);
    this.queue = [];
    this.inFlight = [];
    this.stop();
    return spans;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private reportDrops(): void {
    const count = this.unreportedDrops;
    if (count === 0) return;
    this.unreportedDrops = 0;
    losses.record('spans', count, `the span queue was full (OTEL_BSP_MAX_QUEUE_SIZE=${this.options.maxQueueSize})`,
      `span queue full (${this.options.maxQueueSize}); dropping spans until the exporter catches up`);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.exporting === undefined) this.startExport();
  };

  private startExport(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue.length <= this.options.maxExportBatchSize ? this.queue : this.queue.slice(0, this.options.maxExportBatchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
    this.inFlight = batch;
    this.exporting = this.exportBatch(batch)
      .catch(() => undefined)
      .then(() => {
        this.inFlight = [];
        this.exporting = undefined;
        this.reportDrops();
        if (this.stopped) return;
        if (this.queue.length >= this.options.maxExportBatchSize) this.startExport();
        else if (this.queue.length > 0 && this.timer === undefined) {
          this.timer = setTimeout(this.onTimer, this.options.scheduleDelayMs);
          this.timer.unref();
        }
      });
  }
}
