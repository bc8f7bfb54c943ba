// 200,000 distinct metric tag sets: the series per metric are capped (2,000, then one overflow series, as
// OpenTelemetry's cardinality limit), one warning says so, and the memory kept alive stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { app, baseline, envFor, get, sameAnswer, sameExit, until, warnings } from '../helpers/reliability.mjs';

const TAG_SETS = 200_000;
const STEP = 20_000;

test('200,000 metric tag sets: capped series, an overflow series, one warning, bounded memory', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const withAgent = await app(t, envFor(receiver, { TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '200' }), { nodeArgs: ['--expose-gc'] });
  const without = await baseline(t, { nodeArgs: ['--expose-gc'] });
  const before = JSON.parse((await get(withAgent, '/memory')).body).heapUsed;
  for (let offset = 0; offset < TAG_SETS; offset += STEP) {
    await sameAnswer(withAgent, without, `/metrics?n=${STEP}&distinct=1&offset=${offset}`);
  }
  // The points themselves are buffered and sent (or dropped, counted) whatever happens: wait until they left.
  const metricsRequests = () => receiver.requests.filter((r) => r.path === '/v1/metrics');
  const users = () => new Set(metricsRequests().flatMap((r) => JSON.parse(r.body).resourceMetrics[0].scopeMetrics[0].metrics
    .flatMap((m) => (m.sum ?? m.gauge).dataPoints.map((p) => p.attributes.map((a) => `${a.key}=${a.value.stringValue}`).join(',')))));
  await until(() => users().has('otel.metric.overflow=true'), 'points of the overflow series');
  const after = JSON.parse((await get(withAgent, '/memory')).body).heapUsed;
  const grown = (after - before) / 1024 / 1024;
  assert.ok(grown < 25, `the heap kept ${grown.toFixed(1)} MB more after ${TAG_SETS} tag sets`);
  const series = users();
  assert.ok(series.size <= 2001, `${series.size} series reached the backend`);
  const overflow = warnings(withAgent).filter((l) => l.includes('otel.metric.overflow=true'));
  assert.equal(overflow.length, 1, withAgent.stderr);
  assert.match(overflow[0], /counter "requests.by_user" reached 2000 tag sets for this metric/);
  await sameExit(withAgent, without);
});
