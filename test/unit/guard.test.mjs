// The guard every instrumentation runs through (agent/instrument/guard.ts): the app's call goes on unchanged
// whatever the agent's hooks do, a failure is reported once, and everything is undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Guard, isWrapped, originalOf } from '../../agent/instrument/guard.ts';

function newGuard(channels = []) {
  const reports = [];
  const guard = new Guard('demo', channels, (name, error) => reports.push(`${name}: ${error.message}`));
  return { guard, reports };
}

test('wrap passes arguments, this, results and errors through; restores on failure', () => {
  const { guard, reports } = newGuard();
  const target = { base: 10, add(a, b) { return this.base + a + b; }, fail() { throw new RangeError('app error'); } };
  const add = target.add;
  let entered = 0;
  guard.wrap(target, 'add', { enter: () => { entered++; } });
  guard.wrap(target, 'fail', { exit: () => undefined });
  assert.equal(target.add(1, 2), 13);
  assert.equal(target.add.name, 'add');
  assert.equal(target.add.length, 2);
  assert.ok(isWrapped(target.add));
  assert.equal(originalOf(target.add), add);
  assert.throws(() => target.fail(), RangeError, 'the app\'s own error, unchanged');
  assert.equal(entered, 1);
  assert.deepEqual(reports, []);
  guard.stop();
  assert.equal(target.add, add, 'restored');
});

test('a throwing enter: the original runs with the original arguments, one report, then pass-through', () => {
  const { guard, reports } = newGuard();
  const calls = [];
  const target = { run(cb) { calls.push(cb); return 'done'; } };
  const appCallback = () => {};
  guard.wrap(target, 'run', { enter(_self, args) { args[0] = () => 'replaced'; throw new Error('agent bug'); } });
  assert.equal(target.run(appCallback), 'done');
  assert.equal(calls[0], appCallback, 'half-replaced arguments are put back');
  assert.deepEqual(reports, ['demo: agent bug']);
  assert.equal(guard.active, false);
  assert.equal(target.run(appCallback), 'done');
  assert.equal(reports.length, 1, 'reported once');
});

test('a throwing exit keeps the result; a replacing exit replaces it', () => {
  const { guard, reports } = newGuard();
  const target = { value() { return 1; }, other() { return 2; } };
  guard.wrap(target, 'value', { exit: (_s, result) => result + 40 });
  assert.equal(target.value(), 41);
  guard.wrap(target, 'other', { exit: () => { throw new Error('exit bug'); } });
  assert.equal(target.other(), 2);
  assert.deepEqual(reports, ['demo: exit bug']);
  assert.equal(target.value(), 1, 'off: pass-through');
});

test('wrapResult: replaces a result or keeps it, passes the original\'s error, and a throwing transform keeps the result', () => {
  const { guard, reports } = newGuard();
  const seen = [];
  const target = {
    suffix: '!',
    line(record, extra) { return `${record.msg}${extra ?? ''}${this.suffix}`; },
    fail() { throw new TypeError('app error'); },
  };
  const line = target.line;
  guard.wrapResult(target, 'line', (result, self, first) => {
    seen.push([self === target, first]);
    if (first.msg === 'keep') return undefined;
    if (first.msg === 'boom') throw new Error('agent bug');
    return `${result} [traced]`;
  });
  guard.wrapResult(target, 'fail', () => 'never');
  assert.equal(target.line({ msg: 'hi' }, '?'), 'hi?! [traced]', 'every argument reaches the original; the result is replaced');
  assert.equal(target.line({ msg: 'keep' }), 'keep!', 'undefined keeps the result');
  assert.equal(target.line.name, 'line');
  assert.equal(target.line.length, 2);
  assert.equal(originalOf(target.line), line);
  assert.throws(() => target.fail(), TypeError, 'the app\'s own error, unchanged');
  assert.equal(target.line({ msg: 'boom' }), 'boom!', 'a throwing transform: the original result');
  assert.equal(reports.length, 1);
  assert.equal(target.line({ msg: 'after' }), 'after!', 'the guard is off: results pass through untouched');
  assert.deepEqual(seen.map(([same]) => same), [true, true, true]);
  guard.stop();
  assert.equal(target.line, line, 'restored');
});

test('subscribe: only listed channels; a throwing subscriber never reaches the publisher and is unsubscribed', () => {
  const { guard, reports } = newGuard(['tracekit.test.guard']);
  assert.throws(() => guard.subscribe('not.listed', () => {}), /does not list/);
  let seen = 0;
  guard.subscribe('tracekit.test.guard', (message) => { seen++; if (message.bad) throw new Error('subscriber bug'); });
  const channel = dc.channel('tracekit.test.guard');
  channel.publish({});
  channel.publish({ bad: true });
  assert.equal(channel.hasSubscribers, false);
  channel.publish({});
  assert.equal(seen, 2);
  assert.deepEqual(reports, ['demo: subscriber bug']);
});

test('protect and callback: failures are contained, callbacks always run', () => {
  const { guard, reports } = newGuard();
  let done = 0;
  const hook = guard.protect((a, b, c, finish) => { throw new Error('hook bug'); }, (args) => args[3]());
  hook(1, 2, 3, () => { done++; });
  assert.equal(done, 1, 'the fallback calls done');
  const next = guard.callback((x) => x * 2, () => { throw new Error('never'); });
  assert.equal(next(21), 42);
  assert.deepEqual(reports, ['demo: hook bug']);
});

test('bindStore: the channel runs with our store value; a throwing transform keeps the current one and turns the guard off', () => {
  const store = new AsyncLocalStorage();
  const { guard, reports } = newGuard(['tracekit.test.bind']);
  assert.throws(() => guard.bindStore('not.listed', store, () => 1), /does not list/);
  guard.bindStore('tracekit.test.bind', store, (message) => {
    if (message.bad) throw new Error('transform bug');
    return message.value;
  });
  const channel = dc.channel('tracekit.test.bind');
  assert.equal(channel.runStores({ value: 'caller' }, () => store.getStore()), 'caller');
  const seen = store.run('outer', () => channel.runStores({ bad: true }, () => store.getStore()));
  assert.equal(seen, 'outer', 'the store keeps its value');
  assert.deepEqual(reports, ['demo: transform bug']);
  assert.equal(store.run('outer', () => channel.runStores({ value: 'caller' }, () => store.getStore())), 'outer', 'unbound once off');
});
