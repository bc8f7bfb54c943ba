// Decodes OTLP protobuf export requests (traces, metrics, logs) into the same object shape as OTLP/JSON
// (camelCase names, hex ids, decimal-string nanosecond times, `{stringValue|intValue|...}` values), so one
// normaliser serves both encodings. Unknown fields are skipped, as protobuf requires.
import { ProtoReader } from './proto-reader.mjs';

/** Reads every field of a message, calling onField(reader, field, wireType); onField returns false to skip. */
function each(reader, onField) {
  while (!reader.done()) {
    const field = reader.tag();
    const wireType = reader.wire;
    if (onField(reader, field, wireType) === false) reader.skip(wireType);
  }
}

// Wire types: 0 varint, 1 fixed64/double, 2 length-delimited, 5 fixed32.
/** Like each(), but a known field with an unexpected wire type is skipped instead of misread. */
function eachTyped(reader, wireTypes, onField) {
  each(reader, (r, field, wt) => (wireTypes[field] === wt ? onField(r, field) : false));
}

// The three hot messages (AnyValue, KeyValue, Span) are plain loops rather than each() callbacks: a closure
// per message was a large share of the decoding time.
function anyValue(r) {
  let value = {};
  while (!r.done()) {
    const field = r.tag();
    const wt = r.wire;
    if (field === 1 && wt === 2) value = { stringValue: r.string() };
    else if (field === 2 && wt === 0) value = { boolValue: r.bool() };
    else if (field === 3 && wt === 0) value = { intValue: r.int64() };
    else if (field === 4 && wt === 1) value = { doubleValue: r.double() };
    else if (field === 5 && wt === 2) value = { arrayValue: { values: listOf(r.message(), 1, anyValue) } };
    else if (field === 6 && wt === 2) value = { kvlistValue: { values: listOf(r.message(), 1, keyValue) } };
    else if (field === 7 && wt === 2) value = { bytesValue: r.base64() };
    else r.skip(wt);
  }
  return value;
}

function listOf(reader, wantedField, read) {
  const out = [];
  each(reader, (r, field, wt) => {
    if (field !== wantedField || wt !== 2) return false;
    out.push(read(r.message()));
  });
  return out;
}

function keyValue(r) {
  const kv = { key: '', value: {} };
  while (!r.done()) {
    const field = r.tag();
    const wt = r.wire;
    if (field === 1 && wt === 2) kv.key = r.string();
    else if (field === 2 && wt === 2) kv.value = anyValue(r.message());
    else r.skip(wt);
  }
  return kv;
}

/** Resource (attributes = 1) and InstrumentationScope (name 1, version 2, attributes 3) share this reader. */
function resource(reader) {
  const out = { attributes: [] };
  each(reader, (r, field, wt) => {
    if (field === 1 && wt === 2) out.attributes.push(keyValue(r.message()));
    else return false;
  });
  return out;
}

function scope(reader) {
  const out = { name: '', version: '', attributes: [] };
  each(reader, (r, field, wt) => {
    if (field === 1 && wt === 2) out.name = r.string();
    else if (field === 2 && wt === 2) out.version = r.string();
    else if (field === 3 && wt === 2) out.attributes.push(keyValue(r.message()));
    else return false;
  });
  return out;
}

/** ResourceSpans / ResourceMetrics / ResourceLogs: resource = 1, scope groups = 2 (each: scope = 1, items = 2). */
function resourceGroups(bytes, groupKey, itemsKey, readItem) {
  const reader = new ProtoReader(bytes);
  const groups = [];
  each(reader, (r, field, wt) => {
    if (field !== 1 || wt !== 2) return false;
    const group = { resource: { attributes: [] }, [groupKey]: [] };
    each(r.message(), (g, gField, gWt) => {
      if (gField === 1 && gWt === 2) group.resource = resource(g.message());
      else if (gField === 2 && gWt === 2) {
        const scoped = { scope: { name: '', version: '' }, [itemsKey]: [] };
        each(g.message(), (s, sField, sWt) => {
          if (sField === 1 && sWt === 2) scoped.scope = scope(s.message());
          else if (sField === 2 && sWt === 2) scoped[itemsKey].push(readItem(s.message()));
          else return false;
        });
        group[groupKey].push(scoped);
      } else return false;
    });
    groups.push(group);
  });
  return groups;
}

// ---- traces ----

const SPAN_WIRE = { 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 0, 7: 1, 8: 1, 9: 2, 11: 2, 13: 2, 15: 2 };

function span(r) {
  const out = {
    traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0,
    startTimeUnixNano: '0', endTimeUnixNano: '0', attributes: [], events: [], links: [], status: {},
  };
  while (!r.done()) {
    const field = r.tag();
    if (SPAN_WIRE[field] !== r.wire) {
      r.skip(r.wire);
      continue;
    }
    switch (field) {
      case 1: out.traceId = r.hex(); break;
      case 2: out.spanId = r.hex(); break;
      case 3: out.traceState = r.string(); break;
      case 4: out.parentSpanId = r.hex(); break;
      case 5: out.name = r.string(); break;
      case 6: out.kind = r.uint32(); break;
      case 7: out.startTimeUnixNano = r.fixed64String(); break;
      case 8: out.endTimeUnixNano = r.fixed64String(); break;
      case 9: out.attributes.push(keyValue(r.message())); break;
      case 11: out.events.push(event(r.message())); break;
      case 13: out.links.push(link(r.message())); break;
      case 15: out.status = status(r.message()); break;
      default: r.skip(r.wire);
    }
  }
  return out;
}

function event(reader) {
  const out = { timeUnixNano: '0', name: '', attributes: [] };
  eachTyped(reader, { 1: 1, 2: 2, 3: 2 }, (r, field) => {
    if (field === 1) out.timeUnixNano = r.fixed64String();
    else if (field === 2) out.name = r.string();
    else if (field === 3) out.attributes.push(keyValue(r.message()));
    else return false;
  });
  return out;
}

function link(reader) {
  const out = { traceId: '', spanId: '', attributes: [] };
  eachTyped(reader, { 1: 2, 2: 2, 4: 2 }, (r, field) => {
    if (field === 1) out.traceId = r.hex();
    else if (field === 2) out.spanId = r.hex();
    else if (field === 4) out.attributes.push(keyValue(r.message()));
    else return false;
  });
  return out;
}

function status(reader) {
  const out = { code: 0, message: '' };
  eachTyped(reader, { 2: 2, 3: 0 }, (r, field) => {
    if (field === 2) out.message = r.string();
    else if (field === 3) out.code = r.uint32();
    else return false;
  });
  return out;
}

export function decodeTracesProto(bytes) {
  return { resourceSpans: resourceGroups(bytes, 'scopeSpans', 'spans', span) };
}

// ---- metrics ----

function numberPoint(reader) {
  const out = { attributes: [], timeUnixNano: '0' };
  eachTyped(reader, { 7: 2, 2: 1, 3: 1, 4: 1, 6: 1 }, (r, field) => {
    if (field === 7) out.attributes.push(keyValue(r.message()));
    else if (field === 2) out.startTimeUnixNano = r.fixed64String();
    else if (field === 3) out.timeUnixNano = r.fixed64String();
    else if (field === 4) out.asDouble = r.double();
    else if (field === 6) out.asInt = r.sfixed64();
    else return false;
  });
  return out;
}

/** Histogram, exponential histogram and summary points: only what a chart needs (count, sum, min, max). */
function distributionPoint(attributesField) {
  return (reader) => {
    const out = { attributes: [], timeUnixNano: '0', count: 0 };
    each(reader, (r, field, wt) => {
      if (field === attributesField && wt === 2) out.attributes.push(keyValue(r.message()));
      else if (field === 3 && wt === 1) out.timeUnixNano = r.fixed64String();
      else if (field === 4 && wt === 1) out.count = r.fixed64Number();
      else if (field === 5 && wt === 1) out.sum = r.double();
      else return false;
    });
    return out;
  };
}

function dataPoints(reader, readPoint, extra) {
  const out = { dataPoints: [] };
  each(reader, (r, field, wt) => {
    if (field === 1 && wt === 2) out.dataPoints.push(readPoint(r.message()));
    else if (extra && extra(r, field, wt, out) !== false) return true;
    else return false;
  });
  return out;
}

function sumExtra(r, field, wt, out) {
  if (field === 2 && wt === 0) out.aggregationTemporality = r.uint32();
  else if (field === 3 && wt === 0) out.isMonotonic = r.bool();
  else return false;
}

function metric(reader) {
  const out = { name: '', description: '', unit: '' };
  each(reader, (r, field, wt) => {
    if (wt !== 2) return false;
    switch (field) {
      case 1: out.name = r.string(); break;
      case 2: out.description = r.string(); break;
      case 3: out.unit = r.string(); break;
      case 5: out.gauge = dataPoints(r.message(), numberPoint); break;
      case 7: out.sum = dataPoints(r.message(), numberPoint, sumExtra); break;
      case 9: out.histogram = dataPoints(r.message(), distributionPoint(9)); break;
      case 10: out.exponentialHistogram = dataPoints(r.message(), distributionPoint(1)); break;
      case 11: out.summary = dataPoints(r.message(), distributionPoint(7)); break;
      default: return false;
    }
  });
  return out;
}

export function decodeMetricsProto(bytes) {
  return { resourceMetrics: resourceGroups(bytes, 'scopeMetrics', 'metrics', metric) };
}

// ---- logs ----

const LOG_WIRE = { 1: 1, 11: 1, 2: 0, 3: 2, 5: 2, 6: 2, 9: 2, 10: 2, 12: 2 };

function logRecord(reader) {
  const out = { timeUnixNano: '0', observedTimeUnixNano: '0', severityNumber: 0, severityText: '', attributes: [], traceId: '', spanId: '' };
  eachTyped(reader, LOG_WIRE, (r, field) => {
    switch (field) {
      case 1: out.timeUnixNano = r.fixed64String(); break;
      case 11: out.observedTimeUnixNano = r.fixed64String(); break;
      case 2: out.severityNumber = r.uint32(); break;
      case 3: out.severityText = r.string(); break;
      case 5: out.body = anyValue(r.message()); break;
      case 6: out.attributes.push(keyValue(r.message())); break;
      case 9: out.traceId = r.hex(); break;
      case 10: out.spanId = r.hex(); break;
      case 12: out.eventName = r.string(); break;
      default: return false;
    }
  });
  return out;
}

export function decodeLogsProto(bytes) {
  return { resourceLogs: resourceGroups(bytes, 'scopeLogs', 'logRecords', logRecord) };
}
