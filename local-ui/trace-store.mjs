// Spans grouped by trace, bounded three ways: a number of traces, an age (time since the trace was first seen)
// and an estimated byte total. The oldest trace always goes first: a Map keeps insertion order, so eviction is
// a walk from its head.

const ERROR = 2;

export class TraceStore {
  constructor({ maxTraces = 1000, retentionMs = 3_600_000, maxBytes = 256 * 1024 * 1024, now = Date.now } = {}) {
    this.maxTraces = maxTraces;
    this.retentionMs = retentionMs;
    this.maxBytes = maxBytes;
    this.now = now;
    /** @type {Map<string, Trace>} */
    this.traces = new Map();
    this.bytes = 0;
    this.spanCount = 0;
    this.received = 0;
    this.evicted = 0;
    this.onEvict = () => {};
  }

  /**
   * Adds spans; returns { created: Trace[], updated: Trace[] }. A span id already in its trace replaces the
   * earlier copy (a re-sent batch must not double the span count).
   */
  add(spans, receivedAt = this.now()) {
    const created = new Set();
    const updated = new Set();
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (trace === undefined) {
        trace = new Trace(span.traceId, receivedAt);
        this.traces.set(span.traceId, trace);
        created.add(trace);
      } else if (!created.has(trace)) updated.add(trace);
      const delta = trace.put(span, receivedAt);
      this.bytes += delta.bytes;
      this.spanCount += delta.spans;
      this.received++;
    }
    this.enforceLimits();
    // A trace created and then evicted within this same batch is reported as neither.
    const alive = (trace) => this.traces.get(trace.traceId) === trace;
    return { created: [...created].filter(alive), updated: [...updated].filter(alive) };
  }

  get(traceId) {
    return this.traces.get(traceId);
  }

  clear() {
    this.traces.clear();
    this.bytes = 0;
    this.spanCount = 0;
  }

  /** Drops what is past retention or over the caps; returns the number of traces dropped. */
  enforceLimits() {
    let dropped = 0;
    const oldestAllowed = this.now() - this.retentionMs;
    for (const trace of this.traces.values()) {
      const over = this.traces.size > this.maxTraces || this.bytes > this.maxBytes || trace.firstSeen < oldestAllowed;
      if (!over) break;
      this.remove(trace);
      dropped++;
    }
    return dropped;
  }

  remove(trace) {
    this.traces.delete(trace.traceId);
    this.bytes -= trace.bytes;
    this.spanCount -= trace.spans.length;
    this.evicted++;
    this.onEvict(trace);
  }

  /** Traces newest first. */
  newestFirst() {
    return [...this.traces.values()].reverse();
  }

  stats() {
    let errors = 0;
    const services = new Set();
    for (const trace of this.traces.values()) {
      if (trace.errorCount > 0) errors++;
      for (const service of trace.services) services.add(service);
    }
    return {
      traces: this.traces.size,
      spans: this.spanCount,
      errorTraces: errors,
      services: [...services].sort(),
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      maxTraces: this.maxTraces,
      retentionMs: this.retentionMs,
      spansReceived: this.received,
      tracesEvicted: this.evicted,
    };
  }
}

export class Trace {
  constructor(traceId, receivedAt) {
    this.traceId = traceId;
    this.firstSeen = receivedAt;
    this.lastSeen = receivedAt;
    this.spans = [];
    this.byId = new Map();
    this.services = new Set();
    this.errorCount = 0;
    this.bytes = 0;
    this.startMs = Infinity;
    this.endMs = -Infinity;
    this.summaryCache = undefined;
  }

  put(span, receivedAt) {
    this.lastSeen = receivedAt;
    this.summaryCache = undefined;
    const previous = this.byId.get(span.spanId);
    let spans = 1;
    let bytes = span.size;
    if (previous !== undefined) {
      this.spans[this.spans.indexOf(previous)] = span;
      if (previous.status.code === ERROR) this.errorCount--;
      bytes -= previous.size;
      spans = 0;
    } else this.spans.push(span);
    this.byId.set(span.spanId, span);
    this.services.add(span.service);
    if (span.status.code === ERROR) this.errorCount++;
    this.bytes += bytes;
    if (span.startMs < this.startMs) this.startMs = span.startMs;
    if (span.startMs + span.durationMs > this.endMs) this.endMs = span.startMs + span.durationMs;
    return { spans, bytes };
  }

  /** The root: the earliest span whose parent is not in this trace. */
  root() {
    let root;
    for (const span of this.spans) {
      const orphan = span.parentSpanId === '' || !this.byId.has(span.parentSpanId);
      if (orphan && (root === undefined || span.startMs < root.startMs)) root = span;
    }
    return root ?? this.spans[0];
  }

  summary() {
    if (this.summaryCache !== undefined) return this.summaryCache;
    const root = this.root();
    this.summaryCache = {
      traceId: this.traceId,
      service: root.service,
      rootName: root.name,
      rootComplete: root.parentSpanId === '',
      startTime: new Date(this.startMs).toISOString(),
      startMs: this.startMs,
      durationMs: this.endMs - this.startMs,
      spanCount: this.spans.length,
      errorCount: this.errorCount,
      status: this.errorCount > 0 ? 'error' : 'ok',
      services: [...this.services].sort(),
      receivedAt: new Date(this.lastSeen).toISOString(),
    };
    return this.summaryCache;
  }

  /** The full trace for the API: summary plus spans ordered by start time (without internal fields). */
  detail() {
    const spans = [...this.spans].sort((a, b) => a.startMs - b.startMs).map(publicSpan);
    return { ...this.summary(), spans };
  }
}

function publicSpan(span) {
  const { size, ...rest } = span;
  return rest;
}
