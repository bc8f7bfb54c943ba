// The Local UI's own protobuf decoder against the official OTLP schema: what protobufjs encodes from the
// generated OTLP definitions decodes to the same spans, metrics and logs as the equivalent OTLP/JSON, including
// int64 edge cases and fields the decoder does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTracesProto } from '../../local-ui/otlp-proto.mjs';
import { normaliseTraces } from '../../local-ui/otlp-normalize.mjs';
import { hex, jsonSpan, proto, tracesBody, tracesProto } from './helpers.mjs';

test('protobuf and JSON of the same spans normalise identically', () => {
  const traceId = hex(16);
  const rootId = hex(8);
  const body = tracesBody('svc', [
    jsonSpan({ traceId, spanId: rootId, status: 2, attributes: { s: 'x', b: false, i: 0, neg: -7, d: 0.25, arr: [1, 'two', true], kv: { nested: { deep: 1 } } }, events: [{ name: 'exception', timeUnixNano: '1773741600000000001', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }] }),
    jsonSpan({ traceId, parentSpanId: rootId, kind: 3 }),
  ]);
  const fromProto = normaliseTraces(decodeTracesProto(tracesProto(body)));
  const fromJson = normaliseTraces(body);
  assert.equal(fromProto.spans.length, 2);
  assert.deepEqual(fromProto, fromJson);
  assert.deepEqual(fromProto.spans[0].attributes.kv, { nested: { deep: 1 } });
  assert.equal(fromProto.spans[0].attributes.neg, -7);
});

test('int64 values beyond 2^53 stay exact as decimal strings; fixed64 times are exact', () => {
  const Request = proto.collector.trace.v1.ExportTraceServiceRequest;
  const message = Request.fromObject({
    resourceSpans: [{
      scopeSpans: [{
        spans: [{
          traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'n', kind: 2,
          startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615',
          attributes: [{ key: 'big', value: { intValue: '9223372036854775807' } }, { key: 'min', value: { intValue: '-9223372036854775808' } }],
        }],
      }],
    }],
  });
  const decoded = decodeTracesProto(Request.encode(message).finish());
  const span = decoded.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.startTimeUnixNano, '18446744073709551615');
  assert.deepEqual(span.attributes.map((a) => a.value.intValue), ['9223372036854775807', '-9223372036854775808']);
  const [normalised] = normaliseTraces(decoded).spans;
  assert.equal(normalised.service, 'unknown_service');
  assert.equal(normalised.attributes.big, '9223372036854775807');
});

test('unknown fields are skipped and truncated messages are errors, not garbage', () => {
  const Request = proto.collector.trace.v1.ExportTraceServiceRequest;
  const valid = Buffer.from(Request.encode(Request.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'ok' }] }] }] })).finish());
  // Field 99 (varint) and field 100 (length-delimited) appended at the top level: a newer schema's fields.
  const withUnknown = Buffer.concat([valid, Buffer.from([0x98, 0x06, 0x01, 0xa2, 0x06, 0x02, 0x41, 0x42])]);
  assert.equal(decodeTracesProto(withUnknown).resourceSpans[0].scopeSpans[0].spans[0].name, 'ok');
  assert.throws(() => decodeTracesProto(valid.subarray(0, valid.length - 3)), /past its message|truncated/);
});
