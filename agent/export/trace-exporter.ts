/**
 * Sends span batches to where they belong: the configured OTLP endpoint (TraceKit or any collector, protobuf or
 * JSON) and, while it is running, the TraceKit Local UI (always OTLP JSON, never with the API key).
 * Each batch is encoded once per format.
 */
import type { Span } from '../trace/span.js';
import type { ResourceRecord } from '../trace/types.js';
import { encodeTraceRequestJsonBytes } from './otlp-json.js';
import { encodeTraceRequestProto } from './otlp-proto.js';
import { postOnce, postWithRetry } from './http-sender.js';
import type { SendTarget } from './http-sender.js';
import { debug } from '../log.js';
import { describeFailure } from './failure.js';
import { losses } from './loss-report.js';

export type WireFormat = 'http/protobuf' | 'http/json';

export interface Destination {
  readonly name: string;
  readonly target: SendTarget;
  readonly format: WireFormat;
}

const LOCAL_UI_TIMEOUT_MS = 2000;

export class TraceExporter {
  private localUi: Destination | undefined = undefined;
  /** While shutting down, no retry may outlive this (epoch ms). */
  shutdownDeadline: number | undefined = undefined;
  sentSpans = 0;
  failedSpans = 0;
  private readonly localUiSends = new Set<Promise<void>>();
  /** Called when the Local UI stopped answering, so its detector probes for it again. */
  onLocalUiLost: (() => void) | undefined = undefined;

  constructor(
    private readonly resource: ResourceRecord,
    private readonly primary: Destination | undefined,
    private readonly exportTimeoutMs: number,
  ) {}

  setLocalUi(destination: Destination | undefined): void {
    this.localUi = destination;
  }

  get hasDestination(): boolean {
    return this.primary !== undefined || this.localUi !== undefined;
  }

  destinations(): Destination[] {
    const list: Destination[] = [];
    if (this.primary !== undefined) list.push(this.primary);
    if (this.localUi !== undefined) list.push(this.localUi);
    return list;
  }

  /** Encodes for each destination; used by the async path and by the synchronous exit flush. */
  encode(spans: readonly Span[], format: WireFormat): { body: Uint8Array; contentType: string } {
    // JSON straight to UTF-8 bytes: Buffer.from(string) of a whole batch cost ~12 µs/span here (bench/encode.mjs).
    return format === 'http/json'
      ? { body: encodeTraceRequestJsonBytes(this.resource, spans), contentType: 'application/json' }
      : { body: encodeTraceRequestProto(this.resource, spans), contentType: 'application/x-protobuf' };
  }

  /**
   * Sends a batch. The configured endpoint is awaited, with retries; the Local UI gets one short attempt that
   * nobody waits for: a UI that was stopped must never hold up the backend or fill the queue. A UI that does not
   * answer is dropped until the next probe finds it again.
   */
  async export(spans: Span[]): Promise<void> {
    if (spans.length === 0) return;
    const localUi = this.localUi;
    if (localUi !== undefined) this.sendToLocalUi(localUi, spans);
    const primary = this.primary;
    if (primary === undefined) return;
    const { body, contentType } = this.encode(spans, primary.format);
    const started = Date.now();
    const deadline = () => {
      const normal = started + this.exportTimeoutMs;
      return this.shutdownDeadline === undefined ? normal : Math.min(normal, this.shutdownDeadline);
    };
    const result = await postWithRetry(primary.target, body, contentType, deadline, this.exportTimeoutMs);
    if (result.ok) {
      this.sentSpans += spans.length;
      debug(() => `exported ${spans.length} spans to ${primary.name} (${result.status})`);
      return;
    }
    this.failedSpans += spans.length;
    const why = describeFailure(result, primary.target);
    losses.record('spans', spans.length, `export to ${primary.name} failed: ${why}`,
      `could not export ${spans.length} spans to ${primary.name}: ${why} (after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`);
  }

  /** Waits (bounded by the caller) for Local UI sends still under way; used by shutdown flushes. */
  async flushSideSends(): Promise<void> {
    await Promise.all(this.localUiSends);
  }

  private sendToLocalUi(localUi: Destination, spans: Span[]): void {
    const { body, contentType } = this.encode(spans, localUi.format);
    const send = postOnce(localUi.target, body, contentType, LOCAL_UI_TIMEOUT_MS).then((result) => {
      if (result.ok) {
        debug(() => `sent ${spans.length} spans to the Local UI`);
        return;
      }
      if (result.status === undefined && this.localUi === localUi) {
        debug(`the Local UI did not answer (${result.error?.message}); not sending there until a probe finds it again`);
        this.localUi = undefined;
        this.onLocalUiLost?.();
      }
    });
    this.localUiSends.add(send);
    void send.finally(() => this.localUiSends.delete(send));
  }
}
