// The loss report: the first loss of a kind is said at once with its cause, later ones are summed and said at most
// once a minute, and whatever is left is said at exit. node --import tsx --test test/unit/loss-report.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LossReport } from '../../agent/export/loss-report.ts';

function report() {
  let now = 1_000_000;
  const lines = [];
  const losses = new LossReport(() => now, 60_000, (line) => lines.push(line));
  return { losses, lines, advance: (ms) => { now += ms; } };
}

test('first loss at once with its message; later ones within the minute wait; exit reports the rest', () => {
  const { losses, lines, advance } = report();
  losses.record('spans', 3, 'export failed: HTTP 503', 'could not export 3 spans to X: HTTP 503');
  assert.deepEqual(lines, ['could not export 3 spans to X: HTTP 503 (3 spans lost so far)']);
  for (let i = 0; i < 100; i++) {
    advance(100);
    losses.record('spans', 1, 'the span queue was full');
  }
  losses.record('spans', 2, 'export failed: HTTP 503');
  assert.equal(lines.length, 1, 'nothing more within the minute');
  losses.reportAll('at exit');
  assert.equal(lines.length, 2);
  assert.equal(lines[1], 'at exit: 102 spans (100: the span queue was full; 2: export failed: HTTP 503) were lost since the last report (105 spans lost in all)');
  losses.reportAll('at exit');
  assert.equal(lines.length, 2, 'each loss is reported once');
});

test('kinds are reported independently, and a loss after the minute is reported at once again', () => {
  const { losses, lines, advance } = report();
  losses.record('spans', 1, 'a');
  losses.record('metric points', 5, 'b');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^1 span lost: a \(1 span lost so far\)$/);
  assert.match(lines[1], /^5 metric points lost: b \(5 metric points lost so far\)$/);
  advance(61_000);
  losses.record('spans', 1, 'a');
  assert.equal(lines.length, 3);
  assert.equal(losses.total('spans'), 2);
});
