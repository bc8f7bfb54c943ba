// Breakpoints from the server: parsing, validation and the store's matching.
// node --import tsx --test test/unit/snapshot-breakpoints.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BreakpointStore, DEFAULT_MAX_CAPTURES, parseBreakpoint, parseBreakpointList } from '../../agent/snapshots/breakpoints.ts';

const full = {
  id: 'bp-1',
  service_name: 'svc',
  file_path: '/app/src/checkout.js',
  function_name: 'checkout',
  label: 'total',
  line_number: 42,
  condition: 'total > 100',
  max_captures: 5,
  capture_count: 2,
  expire_at: '2030-01-01T00:00:00Z',
  enabled: true,
  mode: 'snapshot',
  max_depth: 3,
  stack_depth: 10,
  max_payload_bytes: 4096,
  capture_expressions: ['a.b'],
  condition_eval: 'sdk-evaluable',
};

function ok(raw) {
  const parsed = parseBreakpoint(raw);
  assert.equal(parsed.ok, true, parsed.reason);
  return parsed.value;
}

function refused(raw, reason) {
  const parsed = parseBreakpoint(raw);
  assert.equal(parsed.ok, false, `expected ${JSON.stringify(raw)} to be refused`);
  if (reason !== undefined) assert.match(parsed.reason, reason);
  return parsed.reason;
}

describe('parseBreakpoint', () => {
  test('every field of a full breakpoint', () => {
    assert.deepEqual(ok(full), {
      id: 'bp-1',
      functionName: 'checkout',
      label: 'total',
      filePath: '/app/src/checkout.js',
      lineNumber: 42,
      enabled: true,
      expireAt: Date.parse('2030-01-01T00:00:00Z'),
      maxCaptures: 5,
      captureCount: 2,
      condition: 'total > 100',
      conditionEval: 'sdk-evaluable',
      maxDepth: 3,
      maxPayloadBytes: 4096,
      stackDepth: 10,
    });
  });

  test('defaults: enabled, no expiry, max_captures 100, capture_count 0, no condition', () => {
    const bp = ok({ id: 'a', function_name: 'f', label: 'l' });
    assert.equal(bp.enabled, true);
    assert.equal(bp.expireAt, undefined);
    assert.equal(bp.maxCaptures, DEFAULT_MAX_CAPTURES);
    assert.equal(DEFAULT_MAX_CAPTURES, 100);
    assert.equal(bp.captureCount, 0);
    assert.equal(bp.condition, undefined);
    assert.equal(bp.filePath, undefined);
    assert.equal(bp.lineNumber, undefined);
    const nulls = ok({ id: 'a', function_name: 'f', label: 'l', expire_at: null, condition: null, max_captures: null, capture_count: null, enabled: undefined });
    assert.equal(nulls.expireAt, undefined);
    assert.equal(nulls.maxCaptures, 100);
    assert.equal(nulls.enabled, true);
  });

  test('a numeric id becomes a string; other ids are refused', () => {
    assert.equal(ok({ id: 7, function_name: 'f', label: 'l' }).id, '7');
    for (const id of [undefined, null, '', {}, [], true, Number.NaN, Number.POSITIVE_INFINITY, 'x'.repeat(3000)]) {
      refused({ id, function_name: 'f', label: 'l' }, /missing id/);
    }
  });

  test('needs function_name+label or file_path+line_number', () => {
    assert.equal(ok({ id: 'a', file_path: '/x.js', line_number: 3 }).functionName, undefined);
    refused({ id: 'a' }, /neither/);
    refused({ id: 'a', function_name: 'f' }, /neither/);
    refused({ id: 'a', label: 'l', file_path: '/x.js' }, /neither/);
    refused({ id: 'a', function_name: 5, label: ['l'], file_path: 1, line_number: '3' }, /neither/);
    refused({ id: 'a', file_path: '/x.js', line_number: -1 }, /neither/);
    refused({ id: 'a', file_path: '/x.js', line_number: 1.5 }, /neither/);
  });

  test('wrong types: expire_at unreadable and enabled not a boolean refuse the breakpoint', () => {
    refused({ id: 'a', function_name: 'f', label: 'l', expire_at: 'tomorrow' }, /expire_at/);
    refused({ id: 'a', function_name: 'f', label: 'l', expire_at: 1893456000000 }, /expire_at/);
    refused({ id: 'a', function_name: 'f', label: 'l', expire_at: {} }, /expire_at/);
    for (const enabled of ['true', 1, 0, null, {}]) refused({ id: 'a', function_name: 'f', label: 'l', enabled }, /enabled/);
  });

  test('wrong types in optional counts fall back to the defaults', () => {
    const bp = ok({ id: 'a', function_name: 'f', label: 'l', max_captures: '5', capture_count: -2, max_depth: 2.5, max_payload_bytes: 'big', stack_depth: null });
    assert.equal(bp.maxCaptures, 100);
    assert.equal(bp.captureCount, 0);
    assert.equal(bp.maxDepth, undefined);
    assert.equal(bp.maxPayloadBytes, undefined);
    assert.equal(bp.stackDepth, undefined);
    assert.equal(ok({ id: 'a', function_name: 'f', label: 'l', max_captures: 0 }).maxCaptures, 0);
  });

  test('condition: blank is none, non-strings are ignored, long ones are cut', () => {
    assert.equal(ok({ id: 'a', function_name: 'f', label: 'l', condition: '   ' }).condition, undefined);
    assert.equal(ok({ id: 'a', function_name: 'f', label: 'l', condition: 42 }).condition, undefined);
    assert.equal(ok({ id: 'a', function_name: 'f', label: 'l', condition: 'x'.repeat(5000) }).condition.length, 2048);
    assert.equal(ok({ id: 'a', function_name: 'f', label: 'l', condition_eval: 5 }).conditionEval, undefined);
  });

  test('not an object: refused', () => {
    for (const raw of [null, undefined, 42, 'bp', [], [full], true]) refused(raw, /not an object/);
  });

  test('unknown fields and a hostile prototype are ignored', () => {
    const bp = ok({ ...full, extra: { deep: [1, 2] }, __proto__: { enabled: false } });
    assert.equal(bp.enabled, true);
    assert.equal('extra' in bp, false);
    const parsed = JSON.parse('{"id":"p","function_name":"f","label":"l","__proto__":{"enabled":false,"id":"evil"}}');
    assert.equal(ok(parsed).id, 'p');
    assert.equal(ok(parsed).enabled, true);
  });

  test('an over-long name is unusable', () => {
    refused({ id: 'a', function_name: 'f'.repeat(3000), label: 'l' }, /neither/);
  });
});

describe('parseBreakpointList', () => {
  test('not an array: refused whole', () => {
    for (const raw of [null, undefined, 'x', 42, {}, { breakpoints: [] }]) {
      const parsed = parseBreakpointList(raw);
      assert.equal(parsed.ok, false);
      assert.match(parsed.reason, /not an array/);
    }
  });

  test('invalid entries are skipped with their reasons; the rest is kept in order', () => {
    const parsed = parseBreakpointList([full, null, { id: 'b' }, { id: 'c', function_name: 'g', label: 'm' }, 42]);
    assert.equal(parsed.ok, true);
    assert.deepEqual(parsed.value.breakpoints.map((b) => b.id), ['bp-1', 'c']);
    assert.equal(parsed.value.skipped.length, 3);
  });

  test('duplicate ids: the last one wins', () => {
    const parsed = parseBreakpointList([
      { id: 'd', function_name: 'f', label: 'first', enabled: false },
      { id: 'x', function_name: 'f', label: 'x' },
      { id: 'd', function_name: 'f', label: 'second', enabled: true },
      { id: 'd', function_name: 'f', label: 'third', enabled: 'bad' },
    ]);
    assert.equal(parsed.ok, true);
    assert.equal(parsed.value.breakpoints.length, 2);
    const d = parsed.value.breakpoints.find((b) => b.id === 'd');
    assert.equal(d.label, 'second');
    assert.equal(d.enabled, true);
    assert.equal(parsed.value.skipped.length, 1);
  });

  test('an empty list is a valid (empty) set; more than 1000 is refused whole', () => {
    assert.deepEqual(parseBreakpointList([]), { ok: true, value: { breakpoints: [], skipped: [] } });
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `b${i}`, function_name: 'f', label: `l${i}` }));
    assert.equal(parseBreakpointList(many).ok, false);
    assert.equal(parseBreakpointList(many.slice(0, 1000)).value.breakpoints.length, 1000);
  });
});

describe('BreakpointStore', () => {
  const bp = (raw) => ok(raw);

  test('matches function_name:label first, file_path:line_number as the fallback', () => {
    const store = new BreakpointStore();
    const byName = bp({ id: 'n', function_name: 'checkout', label: 'total', file_path: '/a.js', line_number: 1 });
    const byLine = bp({ id: 'l', file_path: '/b.js', line_number: 9 });
    store.replaceAll([byName, byLine]);
    assert.equal(store.size, 2);
    assert.equal(store.match('checkout', 'total', '/elsewhere.js', 77), byName, 'the name wins wherever the call is');
    assert.equal(store.match('other', 'whatever', '/b.js', 9), byLine, 'the line is the fallback');
    assert.equal(store.match('checkout', 'total', '/b.js', 9), byName, 'name before line');
    assert.equal(store.match('other', 'total', '/a.js', 1), byName, 'file:line of a named breakpoint matches too');
    assert.equal(store.match('checkout', 'other', '/c.js', 1), undefined);
    assert.equal(store.match('checkout', 'total:x', '/c.js', 1), undefined);
    assert.equal(store.match('other', 'x', '/b.js', 10), undefined);
  });

  test('hasLabel and hasLineOnlyBreakpoints drive the fast path', () => {
    const store = new BreakpointStore();
    assert.equal(store.hasLabel('total'), false);
    assert.equal(store.hasLineOnlyBreakpoints, false);
    store.replaceAll([bp({ id: 'n', function_name: 'checkout', label: 'total' })]);
    assert.equal(store.hasLabel('total'), true);
    assert.equal(store.hasLabel('checkout'), false);
    assert.equal(store.hasLineOnlyBreakpoints, false);
    store.upsert(bp({ id: 'l', file_path: '/b.js', line_number: 9 }));
    assert.equal(store.hasLineOnlyBreakpoints, true);
    store.delete('l');
    assert.equal(store.hasLineOnlyBreakpoints, false);
  });

  test('upsert replaces the old indexing of the same id; delete and replaceAll drop it', () => {
    const store = new BreakpointStore();
    store.replaceAll([bp({ id: 'a', function_name: 'f', label: 'old' })]);
    store.upsert(bp({ id: 'a', function_name: 'f', label: 'new' }));
    assert.equal(store.size, 1);
    assert.equal(store.match('f', 'old', '', 0), undefined);
    assert.equal(store.match('f', 'new', '', 0).id, 'a');
    assert.equal(store.hasLabel('old'), false);
    store.upsert(bp({ id: 'b', function_name: 'g', label: 'x' }));
    assert.equal(store.size, 2);
    store.delete('a');
    store.delete('missing');
    assert.deepEqual(store.all().map((b) => b.id), ['b']);
    assert.equal(store.get('a'), undefined);
    assert.equal(store.get('b').label, 'x');
    store.replaceAll([]);
    assert.equal(store.size, 0);
    assert.equal(store.match('g', 'x', '', 0), undefined);
  });

  test('keys cannot collide through a colon in a name or label', {
  }, () => {
    const store = new BreakpointStore();
    store.replaceAll([bp({ id: 'a', function_name: 'a:b', label: 'c' })]);
    // "a:b" + ":" + "c" === "a" + ":" + "b:c": the store must not confuse these call sites.
    assert.equal(store.match('a', 'b:c', '', 0), undefined);
  });
});
