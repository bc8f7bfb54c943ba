/**
 * The encoded spans of one open batch, kept apart by instrumentation scope: OTLP nests spans under their scope
 * (`ScopeSpans`), while spans end interleaved (an http SERVER span, a pg query, an Express span...). Each scope gets
 * a writer of its own, so a span is encoded once, as it ends, straight into the bytes of its group; sealing the
 * batch only copies the groups behind their headers.
 *
 * Why at the end of each span rather than at batch time: a span kept as an object until its batch is exported
 * outlives a few young-generation collections and is promoted to the old generation, where it dies. At 30,000
 * requests/s on Node 24 that promoted garbage raised an Express server's peak RSS by 75 MiB (measured: the same
 * run with spans discarded at their end added 24 MiB instead of 100). Bytes in a reused buffer are not garbage.
 */
import type { ExportSpan, InstrumentationScope, ResourceRecord } from '../trace/types.js';
import { ProtoWriter } from './proto-writer.js';

const GROUP_INITIAL_BYTES = 16 * 1024;
/** Beyond this many scopes, those that had no span in the last batch are forgotten (tracers named per id). */
const MAX_IDLE_SCOPES = 32;
/** A group's buffer that grew for one huge batch is replaced after it, instead of pinning that memory. */
const MAX_RETAINED_BYTES = 1024 * 1024;

export function sameScope(a: InstrumentationScope, b: InstrumentationScope): boolean {
  return a === b || (a.name === b.name && (a.version || '') === (b.version || ''));
}

export interface ScopeGroup {
  readonly scope: InstrumentationScope;
  writer: ProtoWriter;
  /** The format's header for this scope (tag, scope message...), encoded once. */
  readonly head: Uint8Array;
}

export class ScopeGroups {
  private readonly groups: ScopeGroup[] = [];
  /** Indexes into `groups`, in the order their scopes first got a span in this batch (the order of the request). */
  private readonly used: number[] = [];
  private last = -1;

  constructor(private readonly encodeHead: (scope: InstrumentationScope) => Uint8Array) {}

  /** The writer a span of `scope` is encoded into. */
  writerFor(scope: InstrumentationScope): ProtoWriter {
    const groups = this.groups;
    let index = this.last;
    if (index === -1 || groups[index]!.scope !== scope) {
      index = -1;
      for (let i = 0; i < groups.length; i++) {
        if (sameScope(groups[i]!.scope, scope)) {
          index = i;
          break;
        }
      }
      if (index === -1) {
        index = groups.length;
        groups.push({ scope, writer: new ProtoWriter(GROUP_INITIAL_BYTES), head: this.encodeHead(scope) });
      }
      this.last = index;
    }
    const writer = groups[index]!.writer;
    if (writer.pos === 0 && !this.used.includes(index)) this.used.push(index);
    return writer;
  }

  /** The groups that hold spans, in request order. */
  filled(): ScopeGroup[] {
    const out: ScopeGroup[] = [];
    for (const index of this.used) {
      const group = this.groups[index]!;
      if (group.writer.pos > 0) out.push(group);
    }
    return out;
  }

  /** Empties every group for the next batch. */
  clear(): void {
    for (const group of this.groups) {
      if (group.writer.buf.length > MAX_RETAINED_BYTES) group.writer = new ProtoWriter(GROUP_INITIAL_BYTES);
      else group.writer.reset();
    }
    if (this.groups.length > MAX_IDLE_SCOPES) {
      const keep = new Set(this.used);
      const kept = this.groups.filter((_, i) => keep.has(i));
      this.groups.length = 0;
      this.groups.push(...kept);
    }
    this.used.length = 0;
    this.last = -1;
  }
}

/**
 * For callers that encode a whole list at once (tests, bench/encode.mjs): one request holding `spans`, built the
 * way the exporter builds it span by span. The batch of the last resource is reused.
 */
export function listEncoder(make: (resource: ResourceRecord) => { add(span: ExportSpan): void; seal(): Uint8Array }) {
  let last: { resource: ResourceRecord; batch: ReturnType<typeof make> } | undefined;
  return (resource: ResourceRecord, spans: readonly ExportSpan[]): Uint8Array => {
    if (last === undefined || last.resource !== resource) last = { resource, batch: make(resource) };
    const batch = last.batch;
    for (let i = 0; i < spans.length; i++) batch.add(spans[i]!);
    return batch.seal();
  };
}
