/**
 * Buffers metric points and sends them as the TraceKit metrics JSON (the body every TraceKit SDK sends): at 100 points, every 10 s,
 * on flush() and at shutdown. Only HTTP 200 counts as delivered; anything else drops the batch, counted in the
 * loss report (one line a minute at most). The buffer is capped, so a dead backend costs bounded memory (drops are counted).
 */
import { postOnce } from '../export/http-sender.js';
import type { SendTarget } from '../export/http-sender.js';
import { describeFailure } from '../export/failure.js';
import { losses } from '../export/loss-report.js';
import { debug } from '../log.js';
import type { SyncRequest } from '../export/sync-send.js';
import { encodeMetricsJson } from './encode.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface Series {
  readonly name: string;
  readonly kind: MetricKind;
  /** Ready for the JSON body: tags as string attributes, sorted by key. */
  readonly attributes: ReadonlyArray<{ key: string; value: { stringValue: string } }>;
}

export interface MetricPoint {
  readonly series: Series;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly value: number;
}

export const FLUSH_AT_POINTS = 100;
const MAX_BUFFERED_POINTS = 10_000;
export const METRICS_REQUEST_TIMEOUT_MS = 10_000;

/** Turns a batch of points into a request body (TraceKit metrics JSON, or OTLP for a generic collector). */
export type MetricsEncoder = (points: readonly MetricPoint[]) => string;

export class MetricsBuffer {
  private points: MetricPoint[] = [];
  private flushScheduled = false;
  private readonly timer: NodeJS.Timeout | undefined;
  /** One send at a time: behind a hanging backend, points wait in the capped buffer instead of in sockets. */
  private inFlight: Promise<void> | undefined = undefined;
  droppedPoints = 0;
  sentPoints = 0;

  private readonly encode: MetricsEncoder;
  /** The Local UI while it answers (development): it gets the TraceKit metrics JSON, never the API key. */
  private localUi: SendTarget | undefined = undefined;

  constructor(
    private readonly serviceName: string,
    private readonly target: SendTarget | undefined,
    intervalMs: number,
    encode?: MetricsEncoder,
    localUiPossible = false,
  ) {
    this.encode = encode ?? ((points) => encodeMetricsJson(serviceName, points));
    if (target !== undefined || localUiPossible) {
      this.timer = setInterval(() => void this.flush(), intervalMs);
      this.timer.unref();
    }
  }

  setLocalUi(target: SendTarget | undefined): void {
    this.localUi = target;
  }

  /** Whether points have anywhere to go (else recording would only fill memory). */
  get hasTarget(): boolean {
    return this.target !== undefined || this.localUi !== undefined;
  }

  record(series: Series, value: number): void {
    if (!this.hasTarget) return;
    const points = this.points;
    if (points.length >= MAX_BUFFERED_POINTS) {
      this.droppedPoints++;
      losses.record('metric points', 1, `the metric buffer was full (${MAX_BUFFERED_POINTS} points)`);
      return;
    }
    points.push({ series, time: Date.now(), value });
    if (points.length >= FLUSH_AT_POINTS && !this.flushScheduled) {
      this.flushScheduled = true;
      // Never send from inside the caller's stack: the request goes out once the current work yields. Not
      // unref'd: an unref'd immediate waits for something else to wake the loop.
      setImmediate(this.flushSoon);
    }
  }

  get pending(): number {
    return this.points.length;
  }

  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    void this.flush();
  };

  /** Sends every buffered point; resolves when the buffer is empty and no send is under way. */
  async flush(): Promise<void> {
    while (this.hasTarget && (this.inFlight !== undefined || this.points.length > 0)) {
      if (this.inFlight === undefined) {
        const batch = this.points;
        this.points = [];
        this.inFlight = this.sendAll(batch).finally(() => {
          this.inFlight = undefined;
        });
      }
      await this.inFlight;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** The unsent points as a request for the synchronous exit flush (none when there is nothing to send). */
  exitRequests(): SyncRequest[] {
    const count = this.points.length;
    const unsent = this.takeUnsent();
    return unsent === undefined ? [] : [{
      url: unsent.target.url.href,
      headers: { ...unsent.target.headers, 'Content-Type': 'application/json' },
      body: unsent.body,
      lost: { kind: 'metric points', count },
    }];
  }

  /** Points not sent yet, for the synchronous exit flush. */
  takeUnsent(): { body: Uint8Array; target: SendTarget } | undefined {
    if (this.target === undefined || this.points.length === 0) return undefined;
    const body = Buffer.from(this.encode(this.points));
    this.points = [];
    return { body, target: this.target };
  }

  private async sendAll(batch: MetricPoint[]): Promise<void> {
    const localUi = this.localUi;
    await Promise.all([
      this.target === undefined ? undefined : this.send(this.target, batch),
      // One attempt, failures only debugged: the Local UI is a development convenience.
      localUi === undefined ? undefined : postOnce(localUi, encodeMetricsJson(this.serviceName, batch), 'application/json', METRICS_REQUEST_TIMEOUT_MS)
        .then((result) => { if (result.status !== 200) debug(`metrics to the Local UI: ${result.status ?? result.error?.message}`); }),
    ]);
  }

  private async send(target: SendTarget, batch: MetricPoint[]): Promise<void> {
    const result = await postOnce(target, this.encode(batch), 'application/json', METRICS_REQUEST_TIMEOUT_MS);
    if (result.status === 200) {
      this.sentPoints += batch.length;
      return;
    }
    this.droppedPoints += batch.length;
    const why = describeFailure(result, target);
    losses.record('metric points', batch.length, `sending to ${target.url.origin} failed: ${why}`,
      `could not send ${batch.length} metric points to ${target.url.origin}: ${why}`);
  }
}
