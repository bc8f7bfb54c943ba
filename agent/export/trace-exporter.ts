/**
 * Sends span batches to where they belong: the configured OTLP endpoint (TraceKit or any collector, protobuf or
 * JSON) and, while it is running, the TraceKit Local UI (always OTLP JSON, never with the API key).
 * Each batch is encoded once per format.
 */
import type { Span } from '../trace/span.js';
import type { ResourceRecord } from '../trace/types.js';
import { encodeTraceRequestJsonBytes } from './otlp-json.js';
import { encodeTraceRequestProto } from './otlp-proto.js';
import { postWithRetry } from './http-sender.js';
import type { SendTarget } from './http-sender.js';
import { debug, warn } from '../log.js';

export type WireFormat = 'http/protobuf' | 'http/json';

export interface Destination {
  readonly name: string;
  readonly target: SendTarget;
  readonly format: WireFormat;
}

const WARN_INTERVAL_MS = 60_000;

export class TraceExporter {
  private localUi: Destination | undefined = undefined;
  /** While shutting down, no retry may outlive this (epoch ms). */
  shutdownDeadline: number | undefined = undefined;
  sentSpans = 0;
  failedSpans = 0;
  private readonly lastWarning = new Map<string, number>();

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

  async export(spans: Span[]): Promise<void> {
    const destinations = this.destinations();
    if (destinations.length === 0 || spans.length === 0) return;
    const encoded = new Map<WireFormat, { body: Uint8Array; contentType: string }>();
    const sends = destinations.map(async (destination) => {
      let payload = encoded.get(destination.format);
      if (payload === undefined) {
        payload = this.encode(spans, destination.format);
        encoded.set(destination.format, payload);
      }
      let deadline = Date.now() + this.exportTimeoutMs;
      if (this.shutdownDeadline !== undefined) deadline = Math.min(deadline, this.shutdownDeadline);
      const result = await postWithRetry(destination.target, payload.body, payload.contentType, deadline, this.exportTimeoutMs);
      if (result.ok) {
        if (destination === this.primary) this.sentSpans += spans.length;
        debug(() => `exported ${spans.length} spans to ${destination.name} (${result.status})`);
        return;
      }
      if (destination === this.primary) this.failedSpans += spans.length;
      const why = result.error !== undefined ? result.error.message : `HTTP ${result.status}`;
      this.rateLimitedWarning(destination.name,
        `could not export ${spans.length} spans to ${destination.name}: ${why}` +
        ` (after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}; ${this.failedSpans} spans dropped so far)`);
    });
    await Promise.all(sends);
  }

  private rateLimitedWarning(key: string, message: string): void {
    const now = Date.now();
    const last = this.lastWarning.get(key);
    if (last !== undefined && now - last < WARN_INTERVAL_MS) return;
    this.lastWarning.set(key, now);
    warn(message);
  }
}
