// Snapshot variable serialization: node --import tsx --test test/unit/snapshot-serialize.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  serializeVariables,
  resolveLimits,
  warmUpSerializer,
  DEFAULT_SERIALIZE_LIMITS,
  MARKER_BUDGET,
  MARKER_CIRCULAR,
  MARKER_PROXY,
  MORE_KEY,
} from '../../agent/snapshots/serialize.ts';
import { PiiScrubber, REDACTED_SENSITIVE_NAME } from '../../agent/snapshots/pii.ts';

const pii = new PiiScrubber();
warmUpSerializer(pii);

/** Serializes with a clock that never runs out, and checks the invariants every result must hold. */
function ser(variables, options = {}) {
  const r = serializeVariables(variables, { now: () => 0, ...options });
  checkInvariants(r, options);
  return r;
}

function checkInvariants(r, options = {}) {
  const json = JSON.stringify(r.variables);
  assert.equal(typeof json, 'string');
  assert.deepEqual(JSON.parse(json), r.variables, 'output is plain JSON data (no undefined, NaN, functions, …)');
  assert.equal(Buffer.byteLength(json), r.bytes);
  const max = resolveLimits(options.limits).maxPayloadBytes;
  assert.ok(r.bytes <= max, `${r.bytes} bytes > ${max}`);
  assert.ok(Array.isArray(r.securityFlags));
  assert.equal(typeof r.truncated, 'boolean');
  JSON.stringify(r.securityFlags);
}

function depthOf(value) {
  if (value === null || typeof value !== 'object') return 0;
  let max = 0;
  for (const v of Object.values(value)) max = Math.max(max, depthOf(v));
  return 1 + max;
}

/** A Proxy whose every trap throws, counting the attempts. */
function hostileProxy(target = {}) {
  const calls = { count: 0 };
  const handler = {};
  for (const trap of ['get', 'set', 'has', 'deleteProperty', 'ownKeys', 'getOwnPropertyDescriptor', 'defineProperty', 'getPrototypeOf', 'setPrototypeOf', 'isExtensible', 'preventExtensions', 'apply', 'construct']) {
    handler[trap] = () => {
      calls.count++;
      throw new Error(`trap ${trap}`);
    };
  }
  return { proxy: new Proxy(target, handler), calls };
}

describe('limits', () => {
  test('defaults', () => {
    assert.deepEqual({ ...DEFAULT_SERIALIZE_LIMITS }, { maxDepth: 5, maxItems: 100, maxKeys: 50, maxStringLength: 1024, maxPayloadBytes: 65536, timeBudgetMs: 2 });
    assert.deepEqual(resolveLimits(undefined), { ...DEFAULT_SERIALIZE_LIMITS });
  });

  test('a breakpoint may lower limits, never raise them; garbage is ignored', () => {
    assert.equal(resolveLimits({ maxDepth: 2 }).maxDepth, 2);
    assert.equal(resolveLimits({ maxDepth: 99 }).maxDepth, 5);
    assert.equal(resolveLimits({ maxPayloadBytes: 4096 }).maxPayloadBytes, 4096);
    assert.equal(resolveLimits({ maxPayloadBytes: 1e9 }).maxPayloadBytes, 65536);
    assert.equal(resolveLimits({ maxPayloadBytes: 10 }).maxPayloadBytes, 1024, 'floor: the marker form must fit');
    assert.equal(resolveLimits({ maxDepth: -3 }).maxDepth, 0);
    assert.equal(resolveLimits({ maxDepth: 2.7 }).maxDepth, 2);
    assert.deepEqual(resolveLimits({ maxDepth: NaN, maxItems: '3', maxKeys: null, timeBudgetMs: Infinity }), { ...DEFAULT_SERIALIZE_LIMITS });
    assert.equal(resolveLimits({ timeBudgetMs: 50 }).timeBudgetMs, 2);
  });

  test('lowered depth and payload take effect', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    assert.deepEqual(ser({ deep }, { limits: { maxDepth: 2 } }).variables, { deep: { a: { b: '[Object]' } } });
    assert.deepEqual(ser({ deep }, { limits: { maxDepth: 0 } }).variables, { deep: '[Object]' });
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`v${i}`, 'x'.repeat(500)]));
    const r = ser(many, { limits: { maxPayloadBytes: 4096 } });
    assert.ok(r.bytes <= 4096);
    assert.equal(r.truncated, true);
    const up = ser({ deep: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } }, { limits: { maxDepth: 50 } });
    assert.equal(depthOf(up.variables.deep), 5, 'raising the depth is ignored');
  });
});

describe('cycles and shared references', () => {
  test('self, mutual, array, Map and Set cycles are marked', () => {
    const a = { name: 'a' };
    const b = { name: 'b', a };
    a.b = b;
    a.self = a;
    const arr = [1];
    arr.push(arr);
    const m = new Map();
    m.set('me', m);
    const s = new Set();
    s.add(s);
    const r = ser({ a, arr, m, s });
    assert.deepEqual(r.variables.a, { name: 'a', b: { name: 'b', a: MARKER_CIRCULAR }, self: MARKER_CIRCULAR });
    assert.deepEqual(r.variables.arr, [1, MARKER_CIRCULAR]);
    assert.deepEqual(r.variables.m.entries, [['me', MARKER_CIRCULAR]]);
    assert.deepEqual(r.variables.s.values, [MARKER_CIRCULAR]);
  });

  test('the variables object itself', () => {
    const vars = { x: 1 };
    vars.all = vars;
    assert.deepEqual(ser(vars).variables, { x: 1, all: MARKER_CIRCULAR });
  });

  test('a shared (non-cyclic) reference is shown each time', () => {
    const shared = { id: 7 };
    assert.deepEqual(ser({ left: shared, right: shared, list: [shared, shared] }).variables, {
      left: { id: 7 },
      right: { id: 7 },
      list: [{ id: 7 }, { id: 7 }],
    });
  });
});

describe('user code is never run', () => {
  test('getters and setters are not invoked', () => {
    let calls = 0;
    const o = {
      plain: 1,
      get boom() {
        calls++;
        throw new Error('getter ran');
      },
      set onlySet(_v) {
        calls++;
      },
      get both() {
        calls++;
        return 1;
      },
      set both(_v) {
        calls++;
      },
    };
    class WithProtoGetter {
      constructor() {
        this.x = 1;
      }
      get computed() {
        calls++;
        throw new Error('prototype getter ran');
      }
    }
    const arr = [1, 2];
    Object.defineProperty(arr, 1, { get: () => (calls++, 2), enumerable: true });
    const r = ser({ o, inst: new WithProtoGetter(), arr }, { pii });
    assert.equal(calls, 0);
    assert.deepEqual(r.variables.o, { plain: 1, boom: '[Getter]', onlySet: '[Setter]', both: '[Getter/Setter]' });
    assert.deepEqual(r.variables.inst, { '@type': 'WithProtoGetter', x: 1 });
    assert.deepEqual(r.variables.arr, [1, '[Getter]']);
  });

  test('an inherited getter on Array.prototype is not reached through a hole', () => {
    let calls = 0;
    Object.defineProperty(Array.prototype, 50, {
      get: () => (calls++, 'from prototype'),
      set(v) {
        Object.defineProperty(this, 50, { value: v, writable: true, enumerable: true, configurable: true });
      },
      configurable: true,
    });
    try {
      const sparse = [0];
      sparse[99] = 99;
      assert.deepEqual(serializeVariables({ sparse }, { now: () => 0 }).variables.sparse, [0, '[98 empty items]', 99]);
    } finally {
      delete Array.prototype[50];
    }
    assert.equal(calls, 0);
  });

  test('a Proxy whose every trap throws is never touched', () => {
    const { proxy, calls } = hostileProxy();
    const fn = hostileProxy(function target() {});
    const inherits = Object.create(hostileProxy().proxy);
    Object.defineProperty(inherits, 'own', { value: 1, enumerable: true }); // `inherits.own = 1` would hit the set trap
    const r = ser({ proxy, fn: fn.proxy, nested: { list: [proxy] }, m: new Map([[proxy, proxy]]), s: new Set([proxy]), inherits }, { pii });
    assert.equal(calls.count, 0);
    assert.equal(fn.calls.count, 0);
    assert.equal(r.variables.proxy, MARKER_PROXY);
    assert.equal(r.variables.fn, MARKER_PROXY);
    assert.deepEqual(r.variables.nested, { list: [MARKER_PROXY] });
    assert.deepEqual(r.variables.m.entries, [[MARKER_PROXY, MARKER_PROXY]]);
    assert.deepEqual(r.variables.s.values, [MARKER_PROXY]);
    assert.deepEqual(r.variables.inherits, { own: 1 }, 'a Proxy prototype is not asked for its constructor');
  });

  test('a Proxy as the variables object, a revoked Proxy', () => {
    const { proxy, calls } = hostileProxy();
    assert.deepEqual(ser(proxy).variables, { value: MARKER_PROXY });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.deepEqual(ser({ revoked }).variables, { revoked: MARKER_PROXY });
    assert.equal(calls.count, 0);
  });

  test('toJSON, valueOf, toString, Symbol.toPrimitive and inspect hooks are never called', () => {
    let calls = 0;
    const hooks = {
      toJSON: () => (calls++, 'json'),
      valueOf: () => (calls++, 1),
      toString: () => (calls++, 's'),
      [Symbol.toPrimitive]: () => (calls++, 'p'),
      [Symbol.for('nodejs.util.inspect.custom')]: () => (calls++, 'i'),
    };
    const withHooks = Object.assign({ data: 1 }, hooks);
    class Model {
      constructor() {
        this.id = 1;
      }
      toJSON() {
        calls++;
        return 'model';
      }
    }
    const date = new Date(0);
    date.toJSON = hooks.toJSON;
    date.toISOString = hooks.toString;
    date.getTime = hooks.valueOf;
    const r = ser({ withHooks, model: new Model(), date, boxed: Object.assign(new Number(5), { valueOf: hooks.valueOf }) });
    assert.equal(calls, 0);
    assert.equal(r.variables.withHooks.data, 1);
    assert.equal(r.variables.withHooks.toJSON, '[Function: toJSON]');
    assert.deepEqual(r.variables.model, { '@type': 'Model', id: 1 });
    assert.equal(r.variables.date, '1970-01-01T00:00:00.000Z');
    assert.equal(r.variables.boxed, '[Number: 5]');
  });

  test('overridden built-in methods of subclasses are not consulted', () => {
    let calls = 0;
    class SneakyMap extends Map {
      entries() {
        calls++;
        return super.entries();
      }
      get size() {
        calls++;
        return 999;
      }
      [Symbol.iterator]() {
        calls++;
        return super[Symbol.iterator]();
      }
      forEach() {
        calls++;
      }
    }
    class SneakySet extends Set {
      values() {
        calls++;
        return super.values();
      }
    }
    class SneakyDate extends Date {
      toISOString() {
        calls++;
        return 'nope';
      }
    }
    class SneakyError extends Error {
      get name() {
        calls++;
        return 'Sneaky';
      }
    }
    class SneakyRegExp extends RegExp {
      get source() {
        calls++;
        return 'nope';
      }
      get flags() {
        calls++;
        return '';
      }
    }
    class SneakyBytes extends Uint8Array {
      get length() {
        calls++;
        return 1e9;
      }
    }
    class SneakyURL extends URL {
      get href() {
        calls++;
        return 'nope';
      }
    }
    const r = ser({
      m: new SneakyMap([['a', 1]]),
      s: new SneakySet([1]),
      d: new SneakyDate(0),
      e: new SneakyError('x'),
      re: new SneakyRegExp('ab', 'g'),
      bytes: new SneakyBytes([1, 2]),
      url: new SneakyURL('https://example.com/a'),
    });
    assert.equal(calls, 0);
    assert.deepEqual(r.variables.m, { '@type': 'Map', size: 1, '@class': 'SneakyMap', entries: [['a', 1]] });
    assert.deepEqual(r.variables.s, { '@type': 'Set', size: 1, '@class': 'SneakySet', values: [1] });
    assert.equal(r.variables.d, '1970-01-01T00:00:00.000Z');
    assert.equal(r.variables.e.name, 'SneakyError', 'an accessor `name` is not called: the constructor name stands in');
    assert.equal(r.variables.e.stack, undefined, 'formatting the stack would call the `name` accessor');
    assert.equal(r.variables.re, '/ab/g');
    assert.deepEqual(r.variables.bytes, { '@type': 'Uint8Array', length: 2, items: [1, 2] });
    assert.equal(r.variables.url, 'https://example.com/a');
  });
});

describe('size limits', () => {
  test('1e6-item arrays: 100 items and a marker, fast', () => {
    const big = Array.from({ length: 1e6 }, (_, i) => i);
    const holes = new Array(1e6);
    const t = performance.now();
    const r = ser({ big, holes });
    const ms = performance.now() - t;
    assert.equal(r.variables.big.length, 101);
    assert.equal(r.variables.big[99], 99);
    assert.equal(r.variables.big[100], '[… 999900 more items]');
    assert.deepEqual(r.variables.holes, ['[100 empty items]', '[… 999900 more items]']);
    assert.equal(r.truncated, true);
    assert.ok(ms < 50, `${ms.toFixed(1)} ms`);
  });

  test('a 100 MB string: truncated with a marker, fast, not retained', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    gc();
    const before = process.memoryUsage().heapUsed;
    let result;
    let ms;
    (() => {
      // A flat string, as read from a file or socket (a `repeat`/`+=` rope is flattened by V8 on first read, by
      // whoever reads it first — the app or us).
      const huge = Buffer.alloc(100 * 1024 * 1024, 'x').toString('latin1');
      const t = performance.now();
      result = ser({ huge }, { pii });
      ms = performance.now() - t;
      assert.equal(huge.length, 104857600);
    })();
    gc();
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    const s = result.variables.huge;
    assert.equal(s, `${'x'.repeat(1024)}…[truncated ${104857600 - 1024} chars]`);
    assert.ok(ms < 100, `${ms.toFixed(1)} ms (no scan or copy of the 100 MB)`);
    assert.ok(retained < 10 * 1024 * 1024, `the result keeps ${(retained / 1048576).toFixed(1)} MB alive`);
  });

  test('strings: 1 KB limit, surrogate pairs not split, lowered limit', () => {
    assert.equal(ser({ s: 'a'.repeat(1024) }).variables.s, 'a'.repeat(1024));
    assert.equal(ser({ s: 'a'.repeat(1025) }).variables.s, `${'a'.repeat(1024)}…[truncated 1 chars]`);
    const emoji = `${'a'.repeat(1023)}😀tail`;
    assert.equal(ser({ emoji }).variables.emoji, `${'a'.repeat(1023)}…[truncated 5 chars]`, 'N = length − limit');
    assert.equal(ser({ s: 'abcdefghijklmnopqrstuvwxyz' }, { limits: { maxStringLength: 20 } }).variables.s, 'abcdefghijklmnopqrst…[truncated 6 chars]');
  });

  test('keys per object, items per Map and Set', () => {
    const wide = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i]));
    const r = ser({ wide, m: new Map(Array.from({ length: 150 }, (_, i) => [i, i])), s: new Set(Array.from({ length: 150 }, (_, i) => i)) });
    assert.equal(Object.keys(r.variables.wide).length, 51);
    assert.equal(r.variables.wide.k49, 49);
    assert.equal(r.variables.wide[MORE_KEY], '[30 more keys]');
    assert.equal(r.variables.m.entries.length, 100);
    assert.equal(r.variables.m.size, 150);
    assert.equal(r.variables.m[MORE_KEY], '[50 more entries]');
    assert.equal(r.variables.s.values.length, 100);
    assert.equal(r.variables.s[MORE_KEY], '[50 more values]');
    const top = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`v${i}`, i]));
    const rt = ser(top);
    assert.equal(Object.keys(rt.variables).length, 51, 'the variables object has the same key limit');
  });

  test('deep nesting (50 levels) stops at the depth limit', () => {
    let deep = { leaf: true };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    let deepArr = [];
    for (let i = 0; i < 50; i++) deepArr = [deepArr];
    const r = ser({ deep, deepArr, deepMap: new Map([['a', new Map([['b', new Map([['c', new Map([['d', new Map([['e', new Map()]])]])]])]])]]) });
    assert.deepEqual(r.variables.deep, { next: { next: { next: { next: { next: '[Object]' } } } } });
    assert.deepEqual(r.variables.deepArr, [[[[['[Array(1)]']]]]]);
    assert.equal(JSON.stringify(r.variables.deepMap).includes('"[Map(0)]"'), true);
    assert.equal(r.truncated, true);
  });

  test('payload cap with many keys: stays under 64 KB', () => {
    const vars = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`v${i}`, Object.fromEntries(Array.from({ length: 50 }, (_, j) => [`k${j}`, 'x'.repeat(1000)]))]),
    );
    const t = performance.now();
    const r = ser(vars);
    assert.ok(performance.now() - t < 100);
    assert.ok(r.bytes <= 65536 && r.bytes > 30000, `${r.bytes}`);
    assert.equal(r.truncated, true);
    assert.ok(JSON.stringify(r.variables).includes('[payload limit]'));
  });

  test('payload cap: the _truncated marker form when the estimate falls short (multi-byte text)', () => {
    const vars = { small: 'kept', ...Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`cjk${i}`, '漢'.repeat(1000)])) };
    const r = ser(vars);
    assert.equal(r.variables._truncated, true);
    assert.equal(r.variables._reason, 'payload_limit');
    assert.ok(r.variables._payload_bytes > 65536);
    assert.equal(r.variables._max_payload_bytes, 65536);
    assert.equal(r.variables.small, 'kept');
    const omitted = Object.values(r.variables).filter((v) => typeof v === 'string' && v.startsWith('[omitted: '));
    assert.ok(omitted.length > 0);
    assert.ok(r.bytes <= 65536);
    assert.equal(r.truncated, true);
    const tiny = ser(vars, { limits: { maxPayloadBytes: 1024 } });
    assert.ok(tiny.bytes <= 1024);
    assert.equal(tiny.variables._truncated, true);
  });

  test('time budget: remaining values become the budget marker (fake clock)', () => {
    let clock = 0;
    const now = () => (clock += 0.5); // every reading is 0.5 ms later
    const vars = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`v${i}`, Array.from({ length: 50 }, (_, j) => ({ j }))]));
    const r = serializeVariables(vars, { now });
    checkInvariants(r);
    assert.equal(r.truncated, true);
    const values = Object.values(r.variables);
    assert.equal(values.length, 30, 'every variable name is still listed');
    assert.equal(values.at(-1), MARKER_BUDGET);
    assert.ok(JSON.stringify(r.variables).includes(MARKER_BUDGET));
    assert.ok(clock < 200, `the clock was read ${clock * 2} times: every 16 nodes, not every node`);
  });

  test('time budget: a preempted capture (wall time passes, CPU time does not) keeps its values; spent CPU ends it', () => {
    const vars = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`v${i}`, Array.from({ length: 50 }, (_, j) => ({ j }))]));
    let wall = 0;
    const now = () => (wall += 0.5);
    const preempted = serializeVariables(vars, { now, cpuTime: () => 0 });
    checkInvariants(preempted);
    assert.ok(!JSON.stringify(preempted.variables).includes(MARKER_BUDGET), 'the wall clock alone does not cut it off');
    assert.equal(preempted.variables.v29.length, 50);
    let cpu = 0;
    const busy = serializeVariables(vars, { now: () => (wall += 0.5), cpuTime: () => (cpu += 0.5) });
    checkInvariants(busy);
    assert.equal(Object.values(busy.variables).at(-1), MARKER_BUDGET, 'CPU spent beyond the budget still ends it');
  });

  test('a clock that throws or goes backwards does not break anything', () => {
    const r1 = serializeVariables({ a: 1, b: [1, 2, 3] }, { now: () => { throw new Error('clock'); } });
    checkInvariants(r1);
    assert.deepEqual(r1.variables, { a: 1, b: [1, 2, 3] });
    let t = 1000;
    const r2 = serializeVariables({ a: 1 }, { now: () => (t -= 5) });
    assert.deepEqual(r2.variables, { a: 1 });
  });
});

describe('readable forms of every type', () => {
  test('primitives and special numbers', () => {
    const r = ser({ n: 1.5, nan: NaN, inf: Infinity, ninf: -Infinity, nzero: -0, zero: 0, t: true, nul: null, undef: undefined, s: 'x', big: 123n, neg: -5n, huge: 10n ** 400n, sym: Symbol('tag'), anon: Symbol() });
    assert.deepEqual(r.variables, {
      n: 1.5, nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', nzero: '-0', zero: 0, t: true, nul: null, undef: 'undefined', s: 'x',
      big: '123n', neg: '-5n', huge: '[BigInt: more than 300 digits]', sym: 'Symbol(tag)', anon: 'Symbol()',
    });
  });

  test('BigInt everywhere', () => {
    const r = ser({ list: [1n, 2n], m: new Map([[3n, 4n]]), s: new Set([5n]), nested: { x: 6n }, boxed: Object(7n), arr: new BigInt64Array([8n, -9n]) });
    assert.deepEqual(r.variables.list, ['1n', '2n']);
    assert.deepEqual(r.variables.m.entries, [['3n', '4n']]);
    assert.deepEqual(r.variables.s.values, ['5n']);
    assert.deepEqual(r.variables.nested, { x: '6n' });
    assert.equal(r.variables.boxed, '[BigInt: 7n]');
    assert.deepEqual(r.variables.arr, { '@type': 'BigInt64Array', length: 2, items: ['8n', '-9n'] });
  });

  test('functions', () => {
    const r = ser({ named: function foo() {}, arrow: () => 1, anon: [function () {}][0], asyncFn: async function load() {}, gen: function* walk() {}, klass: class Widget {}, builtin: Math.max, bound: function b() {}.bind(null) });
    assert.deepEqual(r.variables, {
      named: '[Function: foo]', arrow: '[Function: arrow]', anon: '[Function (anonymous)]', asyncFn: '[AsyncFunction: load]',
      gen: '[GeneratorFunction: walk]', klass: '[Function: Widget]', builtin: '[Function: max]', bound: '[Function: bound b]',
    });
  });

  test('class instances, null-prototype objects, boxed primitives', () => {
    class Point {
      constructor() {
        this.x = 1;
        this.y = 2;
      }
    }
    const nullProto = Object.create(null);
    nullProto.a = 1;
    const r = ser({ p: new Point(), nullProto, num: new Number(-0), str: new String('hi'), bool: new Boolean(false), sym: Object(Symbol('s')) });
    assert.deepEqual(r.variables.p, { '@type': 'Point', x: 1, y: 2 });
    assert.deepEqual(r.variables.nullProto, { a: 1 });
    assert.equal(r.variables.num, '[Number: -0]');
    assert.equal(r.variables.str, '[String: hi]');
    assert.equal(r.variables.bool, '[Boolean: false]');
    assert.equal(r.variables.sym, '[Symbol: Symbol(s)]');
  });

  test('arrays: sparse, with undefined', () => {
    const sparse = [1, , , 4, undefined]; // eslint-disable-line no-sparse-arrays
    sparse[9] = 'end';
    assert.deepEqual(ser({ sparse }).variables.sparse, [1, '[2 empty items]', 4, 'undefined', '[4 empty items]', 'end']);
  });

  test('Map, Set, WeakMap, WeakSet, WeakRef, Promise, iterators, generators', () => {
    const key = {};
    const m = new Map([['a', 1], [{ k: 1 }, [1, 2]]]);
    const r = ser({
      m, s: new Set(['x', 2]), wm: new WeakMap([[key, 1]]), ws: new WeakSet([key]), wr: new WeakRef(key),
      p: Promise.resolve(1), pending: new Promise(() => {}), it: m.entries(), sit: new Set().values(), gen: (function* g() {})(),
    });
    assert.deepEqual(r.variables.m, { '@type': 'Map', size: 2, entries: [['a', 1], [{ k: 1 }, [1, 2]]] });
    assert.deepEqual(r.variables.s, { '@type': 'Set', size: 2, values: ['x', 2] });
    assert.equal(r.variables.wm, '[WeakMap]');
    assert.equal(r.variables.ws, '[WeakSet]');
    assert.equal(r.variables.wr, '[WeakRef]');
    assert.equal(r.variables.p, '[Promise]');
    assert.equal(r.variables.pending, '[Promise]');
    assert.equal(r.variables.it, '[Map Iterator]');
    assert.equal(r.variables.sit, '[Set Iterator]');
    assert.equal(r.variables.gen, '[Generator]');
  });

  test('Date (valid, invalid), RegExp, URL, URLSearchParams', () => {
    const r = ser({ d: new Date('2024-03-17T10:00:00Z'), bad: new Date('nope'), re: /a+b/gimsuy, url: new URL('https://example.com/a?b=1#c'), qs: new URLSearchParams({ a: '1', b: 'two' }) });
    assert.deepEqual(r.variables, {
      d: '2024-03-17T10:00:00.000Z', bad: 'Invalid Date', re: '/a+b/gimsuy', url: 'https://example.com/a?b=1#c', qs: 'a=1&b=two',
    });
  });

  test('Buffer, typed arrays, ArrayBuffer, SharedArrayBuffer, DataView', () => {
    const buf = Buffer.from('hello');
    const long = Buffer.alloc(200, 0xab);
    const ab = new Uint8Array([1, 2, 255]).buffer;
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    const r = ser({
      buf, long, f64: new Float64Array([1.5, NaN, -0, Infinity]), u8: new Uint8Array(150), ab, sab: new SharedArrayBuffer(2), dv: new DataView(ab, 1, 2), detached,
    });
    assert.deepEqual(r.variables.buf, { '@type': 'Buffer', length: 5, hex: '68656c6c6f' });
    assert.deepEqual(r.variables.long, { '@type': 'Buffer', length: 200, hex: `${'ab'.repeat(64)}…` });
    assert.deepEqual(r.variables.f64, { '@type': 'Float64Array', length: 4, items: [1.5, 'NaN', '-0', 'Infinity'] });
    assert.equal(r.variables.u8.items.length, 101);
    assert.equal(r.variables.u8.items[100], '[… 50 more items]');
    assert.deepEqual(r.variables.ab, { '@type': 'ArrayBuffer', byteLength: 3, hex: '0102ff' });
    assert.deepEqual(r.variables.sab, { '@type': 'SharedArrayBuffer', byteLength: 2, hex: '0000' });
    assert.deepEqual(r.variables.dv, { '@type': 'DataView', byteLength: 2, byteOffset: 1 });
    assert.deepEqual(r.variables.detached, { '@type': 'ArrayBuffer', byteLength: 0, hex: '' });
  });

  test('Errors: name, message, stack, cause, AggregateError, own properties', () => {
    const cause = new RangeError('inner');
    const err = new TypeError('outer', { cause });
    err.status = 502;
    const agg = new AggregateError([new Error('one')], 'many');
    class HttpError extends Error {
      constructor() {
        super('teapot');
        this.name = 'HttpError';
        this.code = 418;
      }
    }
    const r = ser({ err, agg, http: new HttpError(), fake: { name: 'Error', message: 'not an error' } });
    const e = r.variables.err;
    assert.equal(e['@type'], 'Error');
    assert.equal(e.name, 'TypeError');
    assert.equal(e.message, 'outer');
    assert.ok(e.stack.startsWith('TypeError: outer\n'));
    assert.equal(e.cause.name, 'RangeError');
    assert.equal(e.cause.message, 'inner');
    assert.equal(e.status, 502);
    assert.equal(r.variables.agg.name, 'AggregateError');
    assert.equal(r.variables.agg.errors[0].message, 'one');
    assert.equal(r.variables.http.name, 'HttpError');
    assert.equal(r.variables.http.code, 418);
    assert.deepEqual(r.variables.fake, { name: 'Error', message: 'not an error' });
  });

  test('Symbol keys, __proto__ keys, odd key names', () => {
    const o = { [Symbol('meta')]: 1, ['__proto__']: 'own' };
    Object.defineProperty(o, '__proto__', { value: 'own', enumerable: true });
    const r = ser({ o, 'weird key': 1, '': 2 });
    assert.equal(r.variables.o['[Symbol(meta)]'], 1);
    assert.equal(Object.getOwnPropertyDescriptor(r.variables.o, '__proto__').value, 'own');
    assert.equal(Object.getPrototypeOf(r.variables.o), Object.prototype);
    assert.equal(r.variables['weird key'], 1);
    assert.equal(r.variables[''], 2);
  });

  test('non-object variables are captured as { value }', () => {
    assert.deepEqual(ser(undefined).variables, {});
    assert.deepEqual(ser(null).variables, {});
    assert.deepEqual(ser(42).variables, { value: 42 });
    assert.deepEqual(ser([1, 2]).variables, { value: [1, 2] });
    assert.deepEqual(ser(new Map([[1, 2]])).variables, { value: { '@type': 'Map', size: 1, entries: [[1, 2]] } });
    assert.deepEqual(ser('s').variables, { value: 's' });
  });
});

describe('never throws', () => {
  test('a module namespace with bindings in their TDZ becomes [unserializable: …]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-ser-'));
    try {
      writeFileSync(join(dir, 'a.mjs'), "import './b.mjs';\nexport let late = 1;\n");
      writeFileSync(join(dir, 'b.mjs'), "import * as a from './a.mjs';\nglobalThis.__tkCapture(a);\n");
      let result;
      globalThis.__tkCapture = (ns) => {
        result = serializeVariables({ ns, ok: 1 }, { now: () => 0 });
      };
      await import(pathToFileURL(join(dir, 'a.mjs')).href);
      checkInvariants(result);
      assert.match(String(result.variables.ns), /^\[unserializable: ReferenceError/);
      assert.equal(result.variables.ok, 1);
    } finally {
      delete globalThis.__tkCapture;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a grab-bag of hostile values, with and without scrubbing', () => {
    const { proxy } = hostileProxy();
    const toStringTag = { get [Symbol.toStringTag]() { throw new Error('tag'); } };
    const evilCtor = Object.create({ constructor: proxy });
    const ctorWithGetterName = new (class { static get name() { throw new Error('name'); } })();
    const errWithAccessors = new Error('e');
    // (stack first: redefining `stack` makes V8 format it, which would read the `message` accessor)
    Object.defineProperty(errWithAccessors, 'stack', { get() { throw new Error('stack'); } });
    Object.defineProperty(errWithAccessors, 'message', { get() { throw new Error('message'); } });
    const vars = { proxy, toStringTag, evilCtor, ctorWithGetterName, errWithAccessors, frozen: Object.freeze({ a: 1 }), args: (function () { return arguments; })(1, 2), global: globalThis };
    for (const options of [{}, { pii }]) {
      const r = ser(vars, options);
      assert.equal(r.variables.proxy, MARKER_PROXY);
      assert.deepEqual(r.variables.errWithAccessors.message, '');
      assert.equal(r.variables.errWithAccessors.stack, undefined);
      assert.deepEqual(r.variables.args, { 0: 1, 1: 2 });
    }
  });

  test('fuzz: random mixtures stay JSON-safe and under the cap', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const leaves = [() => rand(), () => NaN, () => -0, () => 'ada@example.com', () => 'x'.repeat(2000), () => 1n, () => Symbol('s'), () => undefined, () => null, () => new Date(NaN), () => /x/, () => Buffer.from('ab'), () => () => 1, () => hostileProxy().proxy, () => new Error('e')];
    let budget = 0;
    const make = (depth) => {
      const kind = Math.floor(rand() * 5);
      if (depth > 7 || kind === 0 || --budget < 0) return leaves[Math.floor(rand() * leaves.length)]();
      if (kind === 1) return Array.from({ length: Math.floor(rand() * 120) }, () => make(depth + 1));
      if (kind === 2) return new Map(Array.from({ length: Math.floor(rand() * 20) }, (_, i) => [rand() < 0.5 ? `password${i}` : make(depth + 1), make(depth + 1)]));
      if (kind === 3) return new Set(Array.from({ length: Math.floor(rand() * 20) }, () => make(depth + 1)));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 60) }, (_, i) => [`k${i}`, make(depth + 1)]));
    };
    for (let i = 0; i < 20; i++) {
      budget = 800;
      const vars = { a: make(0), b: make(0), c: make(0) };
      vars.c2 = vars;
      ser(vars, { pii });
      ser(vars, { limits: { maxPayloadBytes: 2048, maxDepth: 3 } });
    }
  });
});

test('warmUpSerializer never throws and leaves no state behind', () => {
  warmUpSerializer();
  warmUpSerializer(pii);
  assert.deepEqual(ser({ a: 1 }).variables, { a: 1 });
});
