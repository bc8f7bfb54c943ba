/**
 * Queues the log records the logging instrumentations hand over and sends them in batches, as spans are sent:
 * a bounded queue (2048 records; beyond it records are dropped and counted), batches of up to 512, every second.
 * Emitting a record is a push onto an array: writing a log line never waits on the network.
 *
 * Destinations: the Local UI while it answers (development; never with the API key) and, when
 * TRACEKIT_LOGS_EXPORT=true, the configured endpoint's `/v1/logs`. Both get OTLP/JSON.
 */
import { postWithRetry } from '../export/http-sender.js';
import type { SendTarget } from '../export/http-sender.js';
import { debug, warn } from '../log.js';
import type { ResourceRecord } from '../trace/types.js';
import { encodeLogsRequestJson } from './otlp-logs-json.js';
import type { LogRecord, LogRecordSink } from './record.js';

const MAX_QUEUE = 2048;
const MAX_BATCH = 512;
const INTERVAL_MS = 1000;
const WARN_INTERVAL_MS = 60_000;

export class LogProcessor implements LogRecordSink {
  private queue: LogRecord[] = [];
  private timer: NodeJS.Timeout | undefined = undefined;
  private sending: Promise<void> | undefined = undefined;
  private localUi: SendTarget | undefined = undefined;
  private dropped = 0;
  private lastDropWarning = 0;
  sent = 0;

  constructor(
    private readonly resource: ResourceRecord,
    private readonly primary: SendTarget | undefined,
    private readonly timeoutMs: number,
    private readonly version: string,
  ) {}

  setLocalUi(target: SendTarget | undefined): void {
    this.localUi = target;
  }

  get hasDestination(): boolean {
    return this.primary !== undefined || this.localUi !== undefined;
  }

  emit(record: LogRecord): void {
    if (!this.hasDestination) return;
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped++;
      this.reportDrops(false);
      return;
    }
    this.queue.push(record);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Sends everything queued; resolves when done (never rejects). */
  async flush(): Promise<void> {
    while (this.sending !== undefined) await this.sending;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.sending = this.send(batch).finally(() => { this.sending = undefined; });
      await this.sending;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.reportDrops(true);
  }

  private async send(batch: LogRecord[]): Promise<void> {
    const body = encodeLogsRequestJson(this.resource, batch, this.version);
    const targets = [this.primary, this.localUi].filter((t): t is SendTarget => t !== undefined);
    await Promise.all(targets.map(async (target) => {
      const deadline = Date.now() + this.timeoutMs;
      const result = await postWithRetry(target, body, 'application/json', () => deadline, this.timeoutMs, target === this.localUi ? 1 : Infinity);
      if (result.ok) this.sent += batch.length;
      else debug(`log export to ${target.url.origin} failed (${result.status ?? result.error?.message}); ${batch.length} records dropped`);
    }));
  }

  private reportDrops(final: boolean): void {
    const now = Date.now();
    if (this.dropped === 0 || (!final && now - this.lastDropWarning < WARN_INTERVAL_MS)) return;
    this.lastDropWarning = now;
    warn(`${this.dropped} log records were not exported: the queue of ${MAX_QUEUE} was full (the app's own log output is unaffected)`);
    this.dropped = 0;
  }
}
