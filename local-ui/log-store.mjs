// Log records, newest kept, indexed by span so a span's details can show the lines logged while it ran.

export class LogStore {
  constructor({ maxRecords = 20_000, maxBytes = 64 * 1024 * 1024 } = {}) {
    this.maxRecords = maxRecords;
    // Count and bytes both: one log body may be megabytes.
    this.maxBytes = maxBytes;
    this.bytes = 0;
    this.records = [];
    this.bySpan = new Map();
    this.received = 0;
  }

  add(records) {
    for (const record of records) {
      this.records.push(record);
      this.bytes += record.size;
      this.received++;
      if (record.spanId !== '') {
        let list = this.bySpan.get(record.spanId);
        if (list === undefined) this.bySpan.set(record.spanId, (list = []));
        list.push(record);
      }
    }
    let drop = Math.max(0, this.records.length - this.maxRecords);
    let bytes = this.bytes;
    for (let i = 0; i < drop; i++) bytes -= this.records[i].size;
    while (bytes > this.maxBytes && drop < this.records.length - 1) bytes -= this.records[drop++].size;
    if (drop > 0) {
      for (const old of this.records.splice(0, drop)) this.unindex(old);
      this.bytes = bytes;
    }
  }

  unindex(record) {
    const list = this.bySpan.get(record.spanId);
    if (list === undefined) return;
    const at = list.indexOf(record);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) this.bySpan.delete(record.spanId);
  }

  /** Filters: spanId, traceId, service; newest last, at most `limit`. */
  query({ spanId = '', traceId = '', service = '', limit = 500 } = {}) {
    let source = spanId !== '' ? this.bySpan.get(spanId) ?? [] : this.records;
    if (traceId !== '') source = source.filter((r) => r.traceId === traceId);
    if (service !== '') source = source.filter((r) => r.service === service);
    return source.slice(-limit).map(({ size, ...record }) => record);
  }

  clear() {
    this.records = [];
    this.bytes = 0;
    this.bySpan.clear();
  }
}
