/**
 * Snapshot uploads: asynchronous, at most 4 in flight, at most 50 waiting (drops counted), behind a circuit
 * breaker, as every TraceKit SDK has it: 3 failures (network error or HTTP >= 500; 4xx is logged, not counted) within 60 s
 * pause captures for 5 minutes, with one warning; after the pause the next capture is tried again.
 */
import { describeFailure } from '../export/failure.js';
import { requestText } from '../export/http-sender.js';
import { losses } from '../export/loss-report.js';
import { debug, warn, warnOnce } from '../log.js';

export const MAX_IN_FLIGHT = 4;
export const MAX_QUEUED = 50;
export const BREAKER_FAILURES = 3;
export const BREAKER_WINDOW_MS = 60_000;
export const BREAKER_COOLDOWN_MS = 300_000;
const UPLOAD_TIMEOUT_MS = 10_000;

export interface UploaderOptions {
  url: URL;
  headers: Record<string, string>;
  /** The variable the API key came from, named when the server refuses it. */
  keyVariable?: string;
  /** The breaker tripped: queue the `circuit_breaker_tripped` event for the next poll. */
  onTrip(failureCount: number): void;
  /** How long a tripped breaker pauses captures (5 min; shortened in tests). */
  cooldownMs?: number;
  now?: () => number;
}

export class Uploader {
  private readonly queue: string[] = [];
  private inFlight = 0;
  private failures: number[] = [];
  private openUntil = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => number;
  dropped = 0;
  uploaded = 0;

  constructor(private readonly options: UploaderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether captures are paused by the breaker. */
  isOpen(): boolean {
    return this.openUntil > this.now();
  }

  enqueue(body: string): void {
    if (this.isOpen()) {
      this.dropped++;
      return;
    }
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped++;
      losses.record('snapshots', 1, `the snapshot upload queue was full (${MAX_QUEUED})`,
        `snapshot upload queue full (${MAX_QUEUED}); dropping captures until uploads catch up`);
      return;
    }
    this.queue.push(body);
    this.pump();
  }

  get busy(): boolean {
    return this.pending.size > 0 || this.queue.length > 0;
  }

  /** Resolves when every upload started so far has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0 && !this.isOpen()) {
      const body = this.queue.shift()!;
      this.inFlight++;
      const upload = this.upload(body).finally(() => {
        this.inFlight--;
        this.pending.delete(upload);
        this.pump();
      });
      this.pending.add(upload);
    }
  }

  private async upload(body: string): Promise<void> {
    const response = await requestText(this.options.url, {
      method: 'POST',
      headers: this.options.headers,
      body,
      timeoutMs: UPLOAD_TIMEOUT_MS,
      maxBytes: 64 * 1024,
    });
    const status = response.status;
    if (status !== undefined && status >= 200 && status < 300) {
      this.uploaded++;
      return;
    }
    if (status !== undefined && status < 500) {
      warnOnce(`snapshot-upload-${status}`, `snapshot upload refused by the server (${describeFailure(response, { keyVariable: this.options.keyVariable })}); not retried`);
      return;
    }
    this.recordFailure(status === undefined ? response.error?.message ?? 'network error' : `HTTP ${status}`);
  }

  private recordFailure(reason: string): void {
    const now = this.now();
    this.failures = this.failures.filter((time) => now - time < BREAKER_WINDOW_MS);
    this.failures.push(now);
    debug(`snapshot upload failed: ${reason} (${this.failures.length} within ${BREAKER_WINDOW_MS / 1000} s)`);
    if (this.failures.length >= BREAKER_FAILURES && !this.isOpen()) {
      const count = this.failures.length;
      const cooldown = this.options.cooldownMs ?? BREAKER_COOLDOWN_MS;
      this.openUntil = now + cooldown;
      this.failures = [];
      this.dropped += this.queue.length;
      losses.record('snapshots', this.queue.length, 'captures were waiting when uploads were paused');
      this.queue.length = 0;
      warn(`snapshot uploads failed ${count} times within ${BREAKER_WINDOW_MS / 1000} s (${reason}); captures paused for ${Math.round(cooldown / 1000)} s`);
      this.options.onTrip(count);
    }
  }
}
