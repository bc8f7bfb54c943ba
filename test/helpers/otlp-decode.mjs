// Decodes OTLP trace export bodies (protobuf with the official schema, or OTLP/JSON) into one plain shape, so tests
// assert on what a backend would see regardless of the wire format:
//
// { resourceSpans: [{ resource: { attributes: { key: value } },
//     scopeSpans: [{ scope: { name, version },
//       spans: [{ traceId, spanId, parentSpanId ('' for a root), traceState, flags, name, kind (OTLP number),
//                 startTimeUnixNano, endTimeUnixNano (decimal strings), attributes: { key: value },
//                 droppedAttributesCount, events: [{ name, timeUnixNano, attributes }], droppedEventsCount,
//                 links: [{ traceId, spanId, traceState, attributes, flags }], droppedLinksCount,
//                 status: { code, message } }] }] }] }
//
// Attribute values become plain JS values: strings, booleans, numbers (int64 outside the safe range → BigInt),
// arrays, objects for kvlists, Buffers for bytes, null for an empty AnyValue.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { opentelemetry } = require('otlp-schema/build/src/generated/root.js');
const { Reader } = require('protobufjs/minimal');

const ExportTraceServiceRequest = opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const SpanKind = opentelemetry.proto.trace.v1.Span.SpanKind;
const StatusCode = opentelemetry.proto.trace.v1.Status.StatusCode;

export { ExportTraceServiceRequest };

export function decodeTraceRequest(buffer, contentType = 'application/x-protobuf') {
  const mediaType = String(contentType).split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') {
    return normaliseRequest(JSON.parse(Buffer.from(buffer).toString('utf8')));
  }
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') {
    const message = ExportTraceServiceRequest.decode(buffer);
    const request = ExportTraceServiceRequest.toObject(message, { longs: String, arrays: true });
    addFlags(request, readFlags(buffer));
    return normaliseRequest(request);
  }
  throw new Error(`decodeTraceRequest: unsupported content type ${JSON.stringify(contentType)}`);
}

/** Every span of a decoded request, each with its `resource` and `scope` attached. */
export function flattenSpans(decoded) {
  const out = [];
  for (const resourceSpans of decoded.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        out.push({ ...span, resource: resourceSpans.resource, scope: scopeSpans.scope });
      }
    }
  }
  return out;
}

function normaliseRequest(request) {
  return {
    resourceSpans: (request.resourceSpans ?? []).map((resourceSpans) => ({
      resource: { attributes: attributesObject(resourceSpans.resource?.attributes) },
      scopeSpans: (resourceSpans.scopeSpans ?? []).map((scopeSpans) => ({
        scope: { name: scopeSpans.scope?.name ?? '', version: scopeSpans.scope?.version ?? '' },
        spans: (scopeSpans.spans ?? []).map(normaliseSpan),
      })),
    })),
  };
}

function normaliseSpan(span) {
  return {
    traceId: idHex(span.traceId),
    spanId: idHex(span.spanId),
    parentSpanId: idHex(span.parentSpanId),
    traceState: span.traceState ?? '',
    flags: Number(span.flags ?? 0),
    name: span.name ?? '',
    kind: enumNumber(span.kind, SpanKind),
    startTimeUnixNano: String(span.startTimeUnixNano ?? '0'),
    endTimeUnixNano: String(span.endTimeUnixNano ?? '0'),
    attributes: attributesObject(span.attributes),
    droppedAttributesCount: Number(span.droppedAttributesCount ?? 0),
    events: (span.events ?? []).map((event) => ({
      name: event.name ?? '',
      timeUnixNano: String(event.timeUnixNano ?? '0'),
      attributes: attributesObject(event.attributes),
    })),
    droppedEventsCount: Number(span.droppedEventsCount ?? 0),
    links: (span.links ?? []).map((link) => ({
      traceId: idHex(link.traceId),
      spanId: idHex(link.spanId),
      traceState: link.traceState ?? '',
      attributes: attributesObject(link.attributes),
      flags: Number(link.flags ?? 0),
    })),
    droppedLinksCount: Number(span.droppedLinksCount ?? 0),
    status: { code: enumNumber(span.status?.code, StatusCode), message: span.status?.message ?? '' },
  };
}

// Protobuf gives bytes; OTLP/JSON gives hex (OTLP spec) but protobufjs-style JSON gives base64.
function idHex(id) {
  if (id === undefined || id === null) return '';
  if (typeof id !== 'string') return Buffer.from(id).toString('hex');
  if (/^[0-9a-fA-F]*$/.test(id) && (id.length === 32 || id.length === 16 || id.length === 0)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function enumNumber(value, values) {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string' && value in values) return values[value];
  return Number(value);
}

function attributesObject(keyValues) {
  const out = {};
  for (const { key, value } of keyValues ?? []) out[key] = plainValue(value);
  return out;
}

function plainValue(any) {
  if (any === undefined || any === null) return null;
  if ('stringValue' in any) return any.stringValue;
  if ('boolValue' in any) return any.boolValue;
  if ('intValue' in any) {
    const text = String(any.intValue);
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : BigInt(text);
  }
  if ('doubleValue' in any) return Number(any.doubleValue);
  if ('arrayValue' in any) return (any.arrayValue?.values ?? []).map(plainValue);
  if ('kvlistValue' in any) return attributesObject(any.kvlistValue?.values);
  if ('bytesValue' in any) {
    const bytes = any.bytesValue;
    return typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : Buffer.from(bytes);
  }
  return null;
}

// The schema shipped with otlp-transformer 0.200 predates Span.flags (field 16) and Span.Link.flags (field 6), so
// protobufjs skips them; read just those from the wire, in span/link order.
function readFlags(buffer) {
  const spans = [];
  forEachField(Reader.create(buffer), 1, (resourceSpans) => {
    forEachField(resourceSpans, 2, (scopeSpans) => {
      forEachField(scopeSpans, 2, (span) => {
        const entry = { flags: 0, links: [] };
        while (span.pos < span.len) {
          const tag = span.uint32();
          if (tag === ((16 << 3) | 5)) entry.flags = span.fixed32();
          else if (tag === ((13 << 3) | 2)) {
            const link = Reader.create(span.bytes());
            let flags = 0;
            while (link.pos < link.len) {
              const linkTag = link.uint32();
              if (linkTag === ((6 << 3) | 5)) flags = link.fixed32();
              else link.skipType(linkTag & 7);
            }
            entry.links.push(flags);
          } else span.skipType(tag & 7);
        }
        spans.push(entry);
      });
    });
  });
  return spans;
}

function forEachField(reader, field, onMessage) {
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((field << 3) | 2)) onMessage(Reader.create(reader.bytes()));
    else reader.skipType(tag & 7);
  }
}

function addFlags(request, flags) {
  let i = 0;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const entry = flags[i++];
        if (!entry) continue;
        span.flags = entry.flags;
        (span.links ?? []).forEach((link, j) => {
          link.flags = entry.links[j] ?? 0;
        });
      }
    }
  }
}
