// The bounds of the stores the caps of the CLI do not cover: log records and captured snapshots are limited in
// count and in estimated bytes (one body may be megabytes), the oldest going first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogStore } from '../../local-ui/log-store.mjs';
import { SnapshotStore } from '../../local-ui/snapshot-store.mjs';
import { estimateSize } from '../../local-ui/otlp-normalize.mjs';

const log = (body, spanId = '') => {
  const record = { timeMs: 0, severityNumber: 9, severityText: 'INFO', body, attributes: {}, traceId: '', spanId, service: 's', size: 0 };
  record.size = estimateSize(record);
  return record;
};

test('logs: the oldest records go when over the count or the byte cap; the span index follows', () => {
  const byCount = new LogStore({ maxRecords: 3 });
  byCount.add([log('a', 'aaaaaaaaaaaaaaaa'), log('b'), log('c'), log('d', 'dddddddddddddddd')]);
  assert.deepEqual(byCount.query().map((r) => r.body), ['b', 'c', 'd']);
  assert.deepEqual(byCount.query({ spanId: 'aaaaaaaaaaaaaaaa' }), []);
  assert.equal(byCount.query({ spanId: 'dddddddddddddddd' }).length, 1);
  const byBytes = new LogStore({ maxBytes: 10_000 });
  byBytes.add([log('x'.repeat(3000)), log('y'.repeat(3000)), log('z'.repeat(3000))]);
  assert.ok(byBytes.bytes <= 10_000);
  assert.deepEqual(byBytes.query().map((r) => r.body[0]), ['z']);
});

test('snapshots: the oldest captures go when over the count or the byte cap', () => {
  const store = new SnapshotStore({ maxSnapshots: 3, maxSnapshotBytes: 50_000 });
  const { breakpoint } = store.register({ service_name: 's', label: 'l' }, { enabled: true });
  breakpoint.max_captures = 1000;
  for (let i = 0; i < 5; i++) assert.equal(store.capture({ breakpoint_id: breakpoint.id, variables: { i } }).status, 201);
  assert.deepEqual(store.listSnapshots().map((s) => s.variables.i), [4, 3, 2]);
  for (let i = 0; i < 3; i++) store.capture({ breakpoint_id: breakpoint.id, variables: { big: 'x'.repeat(10_000), i } });
  assert.ok(store.snapshotBytes <= 50_000, `${store.snapshotBytes} bytes kept`);
  assert.deepEqual(store.listSnapshots().map((s) => s.variables.i), [2, 1]);
  assert.equal(JSON.stringify(store.listSnapshots()[0]).includes('"size"'), false, 'the size is not part of the API answer');
});
