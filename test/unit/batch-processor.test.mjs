// The batch processor under a stuck exporter: the queue stays bounded, every dropped span is counted, and the loss
// report hears of the drops once per settled export rather than once per span. node --import tsx --test test/unit/batch-processor.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchSpanProcessor } from '../../agent/export/batch-processor.ts';
import { losses } from '../../agent/export/loss-report.ts';

const sampled = () => ({ traceFlags: 1 });

test('a full queue drops spans, counts each, and reports them in one call when the export settles', async () => {
  let release;
  const exports = [];
  const processor = new BatchSpanProcessor({ scheduleDelayMs: 10_000, maxQueueSize: 4, maxExportBatchSize: 2 }, (batch) => {
    exports.push(batch.length);
    return new Promise((resolve) => { release = resolve; });
  });
  const calls = [];
  const record = losses.record;
  losses.record = (...args) => calls.push(args);
  try {
    for (let i = 0; i < 2; i++) processor.onEnd(sampled()); // a full batch: the export starts and hangs
    for (let i = 0; i < 4; i++) processor.onEnd(sampled()); // fills the queue
    for (let i = 0; i < 50; i++) processor.onEnd(sampled()); // all dropped
    assert.equal(processor.pending, 4);
    assert.equal(processor.droppedSpans, 50);
    assert.equal(calls.length, 0, 'nothing reported while the export is in flight');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 1);
    assert.equal(calls[0][0], 'spans');
    assert.equal(calls[0][1], 50);
    assert.match(calls[0][2], /span queue was full/);
    for (let i = 0; i < 10; i++) processor.onEnd(sampled());
    const unsent = processor.takeUnsent();
    assert.ok(unsent.length <= 6, 'in flight plus queued, bounded');
    assert.equal(calls.length, 2, 'drops since the last settled export are reported when the exit path takes the rest');
    assert.equal(calls[1][1], processor.droppedSpans - 50);
  } finally {
    losses.record = record;
  }
});

test('unsampled spans never enter the queue', () => {
  const processor = new BatchSpanProcessor({ scheduleDelayMs: 10_000, maxQueueSize: 4, maxExportBatchSize: 2 }, () => Promise.resolve());
  processor.onEnd({ traceFlags: 0 });
  assert.equal(processor.pending, 0);
  processor.stop();
});
