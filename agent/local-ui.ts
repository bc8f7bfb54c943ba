/**
 * Finds the TraceKit Local UI (development only) and keeps looking: a probe at start that never delays it, then
 * one every 30 s, so a UI started after the app is found, and one that stops is dropped (a result cached forever
 * would never find a UI started after the app).
 */
import { probe } from './export/http-sender.js';
import { debug, info } from './log.js';

const PROBE_TIMEOUT_MS = 500;

export class LocalUiDetector {
  private timer: NodeJS.Timeout | undefined = undefined;
  private present = false;
  private probing = false;
  private probed = false;
  /** Called once when the first probe finds no Local UI. */
  onFirstMiss: (() => void) | undefined = undefined;
  readonly healthUrl: URL;
  readonly tracesUrl: string;

  constructor(
    baseUrl: string,
    private readonly intervalMs: number,
    private readonly onChange: (present: boolean) => void,
  ) {
    const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
    this.healthUrl = new URL(`${base}/api/health`);
    this.tracesUrl = `${base}/v1/traces`;
  }

  start(): void {
    // setImmediate: the first probe starts after the app's own start-up code has run.
    setImmediate(() => void this.check()).unref();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The exporter saw the UI stop answering: forget it now; the next probe decides again. */
  markGone(): void {
    this.present = false;
  }

  async check(): Promise<boolean> {
    if (this.probing) return this.present;
    this.probing = true;
    try {
      const status = await probe(this.healthUrl, PROBE_TIMEOUT_MS);
      const present = status === 200;
      if (!this.probed) {
        this.probed = true;
        if (!present) this.onFirstMiss?.();
      }
      if (present !== this.present) {
        this.present = present;
        if (present) info(`Local UI found at ${this.healthUrl.origin}: spans, metrics and logs are sent there too`);
        else debug(`Local UI at ${this.healthUrl.origin} is gone`);
        this.onChange(present);
      }
    } finally {
      this.probing = false;
    }
    return this.present;
  }
}
