// Handler errors under the agent: a synchronous throw, a rejected promise and next(err) get exactly the answer they
// get without the agent. Answered with a 5xx, the SERVER span is marked ERROR with one exception event; the
// fixture's next(err) is answered 400 by the app's own error handler, which is the client's error, not the app's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { app, baseline, envFor, sameAnswer, sameExit } from '../helpers/reliability.mjs';

const EXPRESS = 'test/apps/express5/app.mjs';
const STATUS_ERROR = 2;

test('sync throw, rejection and next(err): the same response, the span ERROR with an exception event', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const withAgent = await app(t, envFor(receiver), { fixture: EXPRESS });
  const without = await baseline(t, { fixture: EXPRESS });
  const cases = [['/error-sync', 'Error', 'boom sync'], ['/error-async', 'Error', 'boom async'], ['/next-error', 'TypeError', 'passed to next']];
  for (const [path] of cases) await sameAnswer(withAgent, without, path);
  for (const [path, type, message] of cases) {
    const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.path'] === path);
    if (path === '/next-error') {
      assert.equal(span.attributes['http.response.status_code'], 400);
      assert.notEqual(span.status.code, STATUS_ERROR, 'a 4xx is never an error of the app');
      assert.equal(span.events.filter((e) => e.name === 'exception').length, 0);
      continue;
    }
    assert.equal(span.status.code, STATUS_ERROR, `${path}: status ${JSON.stringify(span.status)}`);
    const events = span.events.filter((e) => e.name === 'exception');
    assert.equal(events.length, 1, `${path}: ${events.length} exception events`);
    assert.equal(events[0].attributes['exception.type'], type);
    assert.equal(events[0].attributes['exception.message'], message);
  }
  await sameExit(withAgent, without);
});
