/**
 * Sends span batches to where they belong: the configured OTLP endpoint (TraceKit or any collector, protobuf or
 * JSON) and, while it is running, the TraceKit Local UI (always OTLP JSON, never with the API key).
 * It also tells the batch processor which formats to encode each span in: one encoder per format its destinations
 * want, so a span goes to two destinations of one format encoded once.
 */
import type { ResourceRecord } from '../trace/types.js';
import { JsonSpanBatch } from './otlp-json.js';
import { ProtoSpanBatch } from './otlp-proto.js';
import type { BatchEncoding, EncodedBatch, SpanBatchEncoder, WireFormat } from './batch-processor.js';
import { postOnce, postWithRetry } from './http-sender.js';
import type { SendTarget } from './http-sender.js';
import { debug } from '../log.js';
import { describeFailure } from './failure.js';
import { losses } from './loss-report.js';

export type { WireFormat } from './batch-processor.js';

export function contentTypeOf(format: WireFormat): string {
  return format === 'http/json' ? 'application/json' : 'application/x-protobuf';
}

export interface Destination {
  readonly name: string;
  readonly target: SendTarget;
  readonly format: WireFormat;
}

const LOCAL_UI_TIMEOUT_MS = 2000;

export class TraceExporter implements BatchEncoding {
  private localUi: Destination | undefined = undefined;
  encodingVersion = 0;
  private currentEncoders: SpanBatchEncoder[] | undefined = undefined;
  private readonly encoderByFormat = new Map<WireFormat, SpanBatchEncoder>();
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
    if (destination === this.localUi) return;
    this.localUi = destination;
    this.destinationsChanged();
  }

  encoders(): readonly SpanBatchEncoder[] {
    if (this.currentEncoders === undefined) {
      const formats = new Set(this.destinations().map((destination) => destination.format));
      this.currentEncoders = [...formats].map((format) => this.encoderFor(format));
    }
    return this.currentEncoders;
  }

  private encoderFor(format: WireFormat): SpanBatchEncoder {
    let encoder = this.encoderByFormat.get(format);
    if (encoder === undefined) {
      encoder = format === 'http/json' ? new JsonSpanBatch(this.resource) : new ProtoSpanBatch(this.resource);
      this.encoderByFormat.set(format, encoder);
    }
    return encoder;
  }

  private destinationsChanged(): void {
    this.currentEncoders = undefined;
    this.encodingVersion++;
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

  /**
   * Sends a batch. The configured endpoint is awaited, with retries; the Local UI gets one short attempt that
   * nobody waits for: a UI that was stopped must never hold up the backend or fill the queue. A UI that does not
   * answer is dropped until the next probe finds it again.
   */
  async export(batch: EncodedBatch): Promise<void> {
    const count = batch.count;
    if (count === 0) return;
    const localUi = this.localUi;
    // A batch sealed before the Local UI appeared has no body in its format: it gets the next one.
    const localUiBody = localUi === undefined ? undefined : batch.bodies[localUi.format];
    if (localUi !== undefined && localUiBody !== undefined) this.sendToLocalUi(localUi, localUiBody, count);
    const primary = this.primary;
    if (primary === undefined) return;
    const body = batch.bodies[primary.format];
    if (body === undefined) return;
    const contentType = contentTypeOf(primary.format);
    const started = Date.now();
    const deadline = () => {
      const normal = started + this.exportTimeoutMs;
      return this.shutdownDeadline === undefined ? normal : Math.min(normal, this.shutdownDeadline);
    };
    const result = await postWithRetry(primary.target, body, contentType, deadline, this.exportTimeoutMs);
    if (result.ok) {
      this.sentSpans += count;
      debug(() => `exported ${count} spans to ${primary.name} (${result.status})`);
      return;
    }
    this.failedSpans += count;
    const why = describeFailure(result, primary.target);
    losses.record('spans', count, `export to ${primary.name} failed: ${why}`,
      `could not export ${count} spans to ${primary.name}: ${why} (after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'})`);
  }

  /** Waits (bounded by the caller) for Local UI sends still under way; used by shutdown flushes. */
  async flushSideSends(): Promise<void> {
    await Promise.all(this.localUiSends);
  }

  private sendToLocalUi(localUi: Destination, body: Uint8Array, count: number): void {
    const send = postOnce(localUi.target, body, contentTypeOf(localUi.format), LOCAL_UI_TIMEOUT_MS).then((result) => {
      if (result.ok) {
        debug(() => `sent ${count} spans to the Local UI`);
        return;
      }
      if (result.status === undefined && this.localUi === localUi) {
        debug(`the Local UI did not answer (${result.error?.message}); not sending there until a probe finds it again`);
        this.setLocalUi(undefined);
        this.onLocalUiLost?.();
      }
    });
    this.localUiSends.add(send);
    void send.finally(() => this.localUiSends.delete(send));
  }
}
