/**
 * Collects ended, sampled spans and hands them to the exporter in batches.
 *
 * Each span is encoded as it ends, in every wire format a destination wants, and only its bytes are kept: see
 * scope-groups.ts for why (a span object kept until export is promoted garbage). A batch is sealed into finished
 * request bodies when it is full, when its timer fires, or when the set of formats changes (the Local UI came or
 * went); sealed batches wait their turn, one export at a time.
 *
 * Bounded: when queued spans reach the maximum, new spans are dropped and counted (never an unbounded backlog
 * behind a dead backend).
 *
 * Why not the SDK's BatchSpanProcessor: it expects SDK ReadableSpans and runs the SDK exporter, and it keeps the
 * span objects until export.
 */
import type { Span, SpanSink } from '../trace/span.js';
import { losses } from './loss-report.js';
import { describeError, warnOnce } from '../log.js';
import { ROOT_CONTEXT, context } from '../trace/api.js';

export interface BatchOptions {
  scheduleDelayMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export type WireFormat = 'http/protobuf' | 'http/json';

/** Encodes spans one at a time into the open batch of one format; `seal()` returns its request body. */
export interface SpanBatchEncoder {
  readonly format: WireFormat;
  add(span: Span): void;
  seal(): Uint8Array;
}

/** The formats spans must be encoded in right now (one encoder each); empty while nothing would receive them. */
export interface BatchEncoding {
  /** Changes whenever `encoders()` would answer differently. */
  readonly encodingVersion: number;
  encoders(): readonly SpanBatchEncoder[];
}

/** A sealed batch: its span count and one finished request body per format. */
export interface EncodedBatch {
  readonly count: number;
  readonly bodies: Partial<Record<WireFormat, Uint8Array>>;
}

export type ExportFn = (batch: EncodedBatch) => Promise<void>;

export class BatchSpanProcessor implements SpanSink {
  private sealed: EncodedBatch[] = [];
  private sealedCount = 0;
  private openCount = 0;
  private open: readonly SpanBatchEncoder[] = [];
  private openVersion = Number.NaN;
  private timer: NodeJS.Timeout | undefined = undefined;
  private exporting: Promise<void> | undefined = undefined;
  private inFlight: EncodedBatch | undefined = undefined;
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
    private readonly encoding: BatchEncoding,
    private readonly exportBatch: ExportFn,
  ) {}

  onEnd(span: Span): void {
    if ((span.traceFlags & 1) === 0 || this.stopped) return;
    if (this.sealedCount + this.openCount >= this.options.maxQueueSize) {
      this.droppedSpans++;
      if (this.unreportedDrops++ === 0 && this.exporting === undefined) this.reportDrops();
      return;
    }
    if (this.openVersion !== this.encoding.encodingVersion) this.switchEncoders();
    const encoders = this.open;
    if (encoders.length === 0) return; // no destination right now: nobody would receive it
    try {
      for (let i = 0; i < encoders.length; i++) encoders[i]!.add(span);
    } catch (error) {
      // Runs inside span.end(), on the app's call: a span that cannot be encoded is lost, never the app's call.
      losses.record('spans', 1, 'a span could not be encoded');
      warnOnce('span-encode', `a span could not be encoded and is dropped (${describeError(error)})`);
      return;
    }
    if (++this.openCount >= this.options.maxExportBatchSize) {
      this.sealOpen();
      if (this.exporting === undefined) this.startExport();
    } else if (this.timer === undefined && this.exporting === undefined) {
      this.armTimer();
    }
  }

  /** Armed outside the app's context: a timer keeps the context it was created in, and this one no request's. */
  private armTimer(): void {
    this.timer = context.with(ROOT_CONTEXT, setTimeout, undefined, this.onTimer, this.options.scheduleDelayMs);
    this.timer.unref();
  }

  /** Spans waiting to be exported (sealed or not), not counting the batch in flight. */
  get pending(): number {
    return this.sealedCount + this.openCount;
  }

  /** Exports everything queued now (and waits for an export already running). */
  async flush(): Promise<void> {
    while (this.exporting !== undefined || this.pending > 0) {
      if (this.exporting === undefined) this.startExport();
      await this.exporting;
    }
  }

  get isExporting(): boolean {
    return this.exporting !== undefined;
  }

  /**
   * For the synchronous exit path: the queued batches plus the one whose export is still in flight (the process
   * is about to die, so that request will not complete). At-least-once: if the server did get the in-flight
   * batch, it sees those spans twice, which beats losing the spans of a crash.
   */
  takeUnsent(): EncodedBatch[] {
    this.reportDrops();
    if (this.openCount > 0) this.sealOpen();
    const batches = this.inFlight === undefined ? this.sealed : [this.inFlight, ...this.sealed];
    this.sealed = [];
    this.sealedCount = 0;
    this.inFlight = undefined;
    this.stop();
    return batches;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private switchEncoders(): void {
    if (this.openCount > 0) this.sealOpen();
    this.open = this.encoding.encoders();
    this.openVersion = this.encoding.encodingVersion;
  }

  private sealOpen(): void {
    const bodies: Partial<Record<WireFormat, Uint8Array>> = {};
    for (const encoder of this.open) bodies[encoder.format] = encoder.seal();
    this.sealed.push({ count: this.openCount, bodies });
    this.sealedCount += this.openCount;
    this.openCount = 0;
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
    if (this.sealed.length === 0 && this.openCount > 0) this.sealOpen();
    const batch = this.sealed.shift();
    if (batch === undefined) return;
    this.sealedCount -= batch.count;
    this.inFlight = batch;
    // Started outside the app's context, like the timer: the export's promises and retries belong to no request.
    this.exporting = context.with(ROOT_CONTEXT, this.runExport, undefined, batch);
  }

  private readonly runExport = (batch: EncodedBatch): Promise<void> =>
    this.exportBatch(batch).catch(() => undefined).then(this.afterExport);

  private readonly afterExport = (): void => {
    this.inFlight = undefined;
    this.exporting = undefined;
    this.reportDrops();
    if (this.stopped) return;
    if (this.sealed.length > 0) this.startExport();
    else if (this.openCount > 0 && this.timer === undefined) this.armTimer();
  };
}
