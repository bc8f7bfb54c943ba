// The batch processor: spans are encoded as they end into the open batch of each format a destination wants, full
// batches are sealed into request bodies, the queue stays bounded under a stuck exporter (every drop counted and
// reported once per settled export), and a change of destinations seals the open batch.
// node --import tsx --test test/unit/batch-processor.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchSpanProcessor } from '../../agent/export/batch-processor.ts';
import { losses } from '../../agent/export/loss-report.ts';
import { ProtoSpanBatch } from '../../agent/export/otlp-proto.ts';
import { JsonSpanBatch } from '../../agent/export/otlp-json.ts';
import { decodeTraceRequest, flattenSpans } from '../helpers/otlp-decode.mjs';

let nextId = 1;
const resource = { attributes: { 'service.name': 'unit' } };
const scope = { name: 'unit', version: '1' };
function span(traceFlags = 1, name = 'op') {
  const id = (nextId++).toString(16).padStart(16, '0');
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: id, parentSpanId: undefined, traceState: undefined, traceFlags,
    name, kind: 1, startTime: 1_700_000_000_000, endTime: 1_700_000_000_001, attributes: { n: nextId },
    droppedAttributesCount: 0, events: undefined, droppedEventsCount: 0, links: undefined, statusCode: 0,
    statusMessage: undefined, scope,
  };
}

/** An encoding whose formats the test switches, as the Local UI's coming and going does. */
function encodingOf(...formats) {
  const make = (format) => (format === 'http/json' ? new JsonSpanBatch(resource) : new ProtoSpanBatch(resource));
  const encoding = {
    encodingVersion: 0,
    list: formats.map(make),
    encoders: () => encoding.list,
    set(...next) {
      encoding.list = next.map(make);
      encoding.encodingVersion++;
    },
  };
  return encoding;
}

/** A processor whose exports succeed at once and are collected in `batches`. */
function collecting(maxExportBatchSize, encoding) {
  const batches = [];
  const processor = new BatchSpanProcessor({ scheduleDelayMs: 10_000, maxQueueSize: 100, maxExportBatchSize }, encoding, (batch) => {
    batches.push(batch);
    return Promise.resolve();
  });
  return { processor, batches };
}

const spansInJson = (body) => JSON.parse(Buffer.from(body).toString('utf8')).resourceSpans[0].scopeSpans.flatMap((s) => s.spans);

test('a full queue drops spans, counts each, and reports them in one call when the export settles', async () => {
  let release;
  const exports = [];
  const processor = new BatchSpanProcessor({ scheduleDelayMs: 10_000, maxQueueSize: 4, maxExportBatchSize: 2 }, encodingOf('http/protobuf'), (batch) => {
    exports.push(batch.count);
    return new Promise((resolve) => { release = resolve; });
  });
  const calls = [];
  const record = losses.record;
  losses.record = (...args) => calls.push(args);
  try {
    for (let i = 0; i < 2; i++) processor.onEnd(span()); // a full batch: the export starts and hangs
    for (let i = 0; i < 4; i++) processor.onEnd(span()); // fills the queue
    for (let i = 0; i < 50; i++) processor.onEnd(span()); // all dropped
    assert.deepEqual(exports, [2]);
    assert.equal(processor.pending, 4);
    assert.equal(processor.droppedSpans, 50);
    assert.equal(calls.length, 0, 'nothing reported while the export is in flight');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 1);
    assert.equal(calls[0][0], 'spans');
    assert.equal(calls[0][1], 50);
    assert.match(calls[0][2], /span queue was full/);
    for (let i = 0; i < 10; i++) processor.onEnd(span());
    const unsent = processor.takeUnsent();
    const count = unsent.reduce((sum, batch) => sum + batch.count, 0);
    assert.ok(count <= 6, 'in flight plus queued, bounded');
    assert.ok(unsent.every((batch) => batch.bodies['http/protobuf'] instanceof Uint8Array && batch.bodies['http/json'] === undefined));
    assert.equal(calls.length, 2, 'drops since the last settled export are reported when the exit path takes the rest');
    assert.equal(calls[1][1], processor.droppedSpans - 50);
  } finally {
    losses.record = record;
  }
});

test('unsampled spans never enter the queue', () => {
  const processor = new BatchSpanProcessor({ scheduleDelayMs: 10_000, maxQueueSize: 4, maxExportBatchSize: 2 }, encodingOf('http/protobuf'), () => Promise.resolve());
  processor.onEnd(span(0));
  assert.equal(processor.pending, 0);
  processor.stop();
});

test('spans are encoded as they end; the exported body holds each of them once, in order', async () => {
  const { processor, batches: bodies } = collecting(3, encodingOf('http/json'));
  const ended = [span(1, 'a'), span(1, 'b'), span(1, 'c'), span(1, 'd')];
  for (const s of ended) processor.onEnd(s);
  // The span objects may change after their end: the body keeps what they were then.
  ended[0].name = 'changed';
  await processor.flush();
  assert.deepEqual(bodies.map((b) => b.count), [3, 1]);
  assert.deepEqual(bodies.flatMap((b) => spansInJson(b.bodies['http/json']).map((s) => s.name)), ['a', 'b', 'c', 'd']);
  processor.stop();
});

test('a change of destinations seals the open batch; the new batch carries every format now wanted', async () => {
  const encoding = encodingOf('http/protobuf');
  const { processor, batches } = collecting(50, encoding);
  processor.onEnd(span());
  processor.onEnd(span());
  encoding.set('http/protobuf', 'http/json'); // the Local UI appeared
  processor.onEnd(span());
  assert.equal(processor.pending, 3);
  await processor.flush();
  assert.deepEqual(batches.map((b) => [b.count, Object.keys(b.bodies).sort().join('+')]), [[2, 'http/protobuf'], [1, 'http/json+http/protobuf']]);
  encoding.set(); // nothing receives spans: they are not encoded or queued
  processor.onEnd(span());
  assert.equal(processor.pending, 0);
  processor.stop();
});

test('a span that cannot be encoded is dropped and counted; the call that ended it goes on', async () => {
  const { processor, batches } = collecting(50, encodingOf('http/protobuf'));
  const calls = [];
  const record = losses.record;
  losses.record = (...args) => calls.push(args);
  try {
    processor.onEnd(span(1, 'before'));
    const hostile = span(1, 'hostile');
    Object.defineProperty(hostile, 'attributes', { get() { throw new Error('attribute getter'); } });
    assert.doesNotThrow(() => processor.onEnd(hostile));
    processor.onEnd(span(1, 'after'));
    await processor.flush();
    assert.equal(calls.length, 1);
    assert.equal(calls[0][1], 1);
    assert.equal(batches[0].count, 2);
    // The half-written span was rolled back: the body decodes, with the two good spans only.
    const names = flattenSpans(decodeTraceRequest(batches[0].bodies['http/protobuf'])).map((s) => s.name);
    assert.deepEqual(names, ['before', 'after']);
  } finally {
    losses.record = record;
    processor.stop();
  }
});
