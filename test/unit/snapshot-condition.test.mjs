// Breakpoint conditions (`condition_eval: "sdk-evaluable"`): a small parser of our own, never eval/Function/vm.
// node --import tsx --test test/unit/snapshot-condition.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluateCondition } from '../../agent/snapshots/condition.ts';

const value = (expression, variables = {}) => {
  const r = evaluateCondition(expression, variables);
  assert.equal(r.error, undefined, `${expression}: ${r.error}`);
  return r.value;
};
const error = (expression, variables = {}) => {
  const r = evaluateCondition(expression, variables);
  assert.equal(r.value, false);
  assert.equal(typeof r.error, 'string', `${expression} should not parse`);
  return r.error;
};

describe('operators', () => {
  const vars = { n: 5, s: 'gold', z: 0, nil: null, t: true };

  test('comparisons of numbers and strings', () => {
    const cases = [
      ['n == 5', true], ['n === 5', true], ['n != 5', false], ['n !== 4', true],
      ['n < 6', true], ['n < 5', false], ['n <= 5', true], ['n > 5', false], ['n >= 5', true], ['n > 4.5', true],
      ['s == "gold"', true], ["s == 'gold'", true], ['s != "silver"', true], ['s < "silver"', true], ['s >= "gold"', true],
      ['5 == n', true], ['-1 < n', true], ['n > -10', true], ['1e1 > n', true], ['n == 5.0', true],
      ['t == true', true], ['t == false', false], ['nil == null', true], ['nil === null', true],
      ['missing == undefined', true], ['missing == null', true], ['missing === null', false], ['nil != undefined', false],
    ];
    for (const [expression, expected] of cases) assert.equal(value(expression, vars), expected, expression);
  });

  test('no type coercion: mixed types are never equal and never ordered', () => {
    for (const expression of ['n == "5"', 'z == false', 'z == ""', 'n > "4"', '"10" > 9', 'nil < 1', 'missing >= 0', 't == 1']) {
      assert.equal(value(expression, { n: 5, z: 0, nil: null, t: true }), false, expression);
    }
    assert.equal(value('n != "5"', { n: 5 }), true);
  });

  test('&&, || and ! with truthiness, parentheses', () => {
    const vars = { a: true, b: false, n: 0, s: '', o: {}, list: [] };
    const cases = [
      ['a && b', false], ['a || b', true], ['!b', true], ['!!a', true], ['!n', true], ['!s', true],
      ['o', true], ['list', true], ['!o', false], ['a && (b || !b)', true], ['(a || b) && b', false],
      ['missing', false], ['!missing', true],
    ];
    for (const [expression, expected] of cases) assert.equal(value(expression, vars), expected, expression);
  });

  test('precedence: && binds tighter than ||, comparisons tighter than both', () => {
    assert.equal(value('true || false && false'), true);
    assert.equal(value('(true || false) && false'), false);
    assert.equal(value('false && false || true'), true);
    assert.equal(value('n > 1 && n < 10 || n == 100', { n: 100 }), true);
    assert.equal(value('n > 1 && (n < 10 || n == 100)', { n: 50 }), false);
    assert.equal(value('!a && b', { a: false, b: true }), true);
    assert.equal(value('!(a && b)', { a: true, b: true }), false);
  });

  test('! binds tighter than a comparison, as in JavaScript: !x === false is (!x) === false', {
  }, () => {
    assert.equal(value('!x === false', { x: 0 }), false);
    assert.equal(value('!x == true', { x: 'a' }), false);
  });

  test('short-circuit: the right side is not evaluated when the left decides', () => {
    // Reading a path never runs code anyway; this checks the result only.
    assert.equal(value('false && a.b.c.d', {}), false);
    assert.equal(value('true || a.b.c.d', {}), true);
  });
});

describe('paths and literals', () => {
  const vars = {
    user: { age: 21, tier: 'gold', tags: ['a', 'b'], 'odd key': 1, nested: { deep: { x: 3 } } },
    items: [{ price: 10 }, { price: 200 }],
    'with-dash': 1,
  };

  test('dots, numeric and string indexes, array length', () => {
    assert.equal(value('user.age >= 18', vars), true);
    assert.equal(value('user.nested.deep.x == 3', vars), true);
    assert.equal(value('user.tags[1] == "b"', vars), true);
    assert.equal(value('items[1].price > 100', vars), true);
    assert.equal(value('user["tier"] == "gold"', vars), true);
    assert.equal(value("user['odd key'] == 1", vars), true);
    assert.equal(value('items.length == 2', vars), true);
    assert.equal(value('user.tags["0"] == "a"', vars), true);
  });

  test('missing links read as undefined, without errors', () => {
    assert.equal(value('user.missing.deeper == undefined', vars), true);
    assert.equal(value('items[5].price > 1', vars), false);
    assert.equal(value('user.age.toFixed == undefined', vars), true, 'no property of a primitive');
    assert.equal(value('user.tier.length == undefined', vars), true, 'strings have no readable properties here');
  });

  test('only own data properties: the prototype chain is not consulted', () => {
    assert.equal(value('user.toString == undefined', vars), true);
    assert.equal(value('user.constructor == undefined', vars), true);
    assert.equal(value('user.__proto__ == undefined', vars), true);
    assert.equal(value('user.hasOwnProperty == undefined', vars), true);
    assert.equal(value('inherited == 1', Object.create({ inherited: 1 })), false);
    assert.equal(value('process == undefined', {}), true, 'globals are not variables');
    assert.equal(value('globalThis.process.pid > 0', {}), false);
  });

  test('literals: numbers (negative, decimal, exponent), strings with escapes, true/false/null/undefined', () => {
    assert.equal(value('x == -3.5', { x: -3.5 }), true);
    assert.equal(value('x == 2e3', { x: 2000 }), true);
    assert.equal(value('x == 1E-2', { x: 0.01 }), true);
    assert.equal(value('x == "say \\"hi\\""', { x: 'say "hi"' }), true);
    assert.equal(value("x == 'it\\'s'", { x: "it's" }), true);
    assert.equal(value('x == ""', { x: '' }), true);
    assert.equal(value('x == "a && b || !c"', { x: 'a && b || !c' }), true, 'operators inside a string are text');
    assert.equal(value('true'), true);
    assert.equal(value('false'), false);
    assert.equal(value('null'), false);
    assert.equal(value('undefined'), false);
    assert.equal(value('0'), false);
    assert.equal(value('"x"'), true);
  });
});

describe('user code never runs', () => {
  test('a getter is not invoked (reads as undefined)', () => {
    let calls = 0;
    const vars = { user: { get age() { calls++; return 99; } } };
    assert.equal(value('user.age > 18', vars), false);
    assert.equal(value('user.age == undefined', vars), true);
    const root = {};
    Object.defineProperty(root, 'lazy', { get() { calls++; return 1; }, enumerable: true });
    assert.equal(value('lazy == 1', root), false);
    assert.equal(calls, 0);
  });

  test('a Proxy is not touched, not even its getOwnPropertyDescriptor trap', () => {
    let traps = 0;
    const handler = {};
    for (const trap of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'apply', 'construct', 'isExtensible']) {
      handler[trap] = () => { traps++; throw new Error(`${trap} trap ran`); };
    }
    const proxy = new Proxy({ a: 1 }, handler);
    assert.equal(value('p.a == 1', { p: proxy }), false);
    assert.equal(value('p == undefined', { p: proxy }), false, 'the proxy itself is a value (truthy), not read');
    assert.equal(value('p.a.b', { p: proxy }), false);
    assert.equal(value('a == 1', proxy), false, 'a Proxy as the variables object');
    assert.equal(traps, 0);
  });

  test('toString, valueOf and Symbol.toPrimitive are not called by comparisons or truthiness', () => {
    let calls = 0;
    const sneaky = { valueOf() { calls++; return 10; }, toString() { calls++; return 'x'; }, [Symbol.toPrimitive]() { calls++; return 10; } };
    assert.equal(value('o > 5', { o: sneaky }), false);
    assert.equal(value('o == 10', { o: sneaky }), false);
    assert.equal(value('o == "x"', { o: sneaky }), false);
    assert.equal(value('o', { o: sneaky }), true);
    assert.equal(value('!o', { o: sneaky }), false);
    assert.equal(calls, 0);
  });

  test('code is a syntax error, not code: calls, assignments, arithmetic, templates, functions', () => {
    let ran = false;
    globalThis.__conditionRan = () => { ran = true; };
    const codes = [
      'constructor.constructor("return process")()',
      'constructor.constructor("globalThis.__conditionRan()")()',
      '__conditionRan()',
      'x = 1',
      'x += 1',
      'a ? b : c',
      'process.exit(1)',
      'require("fs")',
      'import("fs")',
      '`${x}`',
      '(() => 1)()',
      'function () {}',
      'x + 1 > 2',
      'x * 2',
      'x.y(1)',
      'new Date()',
      'x; y',
      'typeof x == "string"',
      'x in y',
      'void 0',
      'a.b.c = 1',
      'x.constructor["constructor"]("return 1")()',
    ];
    try {
      for (const code of codes) {
        const r = evaluateCondition(code, { x: 1, y: {}, a: { b: {} } });
        assert.equal(r.value, false, code);
        // `typeof`, `void`, `in`, `new`, `function` are identifiers to this grammar: two values in a row is an error.
        assert.equal(typeof r.error, 'string', `${code} must not parse`);
      }
      assert.equal(ran, false);
    } finally {
      delete globalThis.__conditionRan;
    }
  });

  test('the module uses no eval, Function or vm', () => {
    const source = readFileSync(new URL('../../agent/snapshots/condition.ts', import.meta.url), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(source, /\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|node:vm|from 'vm'|require\(['"]vm/);
  });
});

describe('syntax errors', () => {
  test('bad input is an error, never a throw', () => {
    const bad = [
      '', '   ', 'a ==', '== 1', '(a', 'a)', '((a)', 'a b', 'a && ', '|| a', '!', 'a..b', 'a.', 'a[', 'a[1', 'a[b]', 'a[]',
      '"unterminated', "'unterminated", 'a === === b', '1 < 2 < 3', 'a & b', 'a | b', '#', '@x', 'a.1', 'a ! b', '1.', '0x10',
    ];
    for (const expression of bad) {
      let r;
      assert.doesNotThrow(() => { r = evaluateCondition(expression, { a: 1, b: 2 }); }, expression);
      assert.equal(r.value, false, expression);
      assert.equal(typeof r.error, 'string', `${JSON.stringify(expression)} must be an error`);
    }
  });

  test('limits: more than 1000 characters, nesting deeper than 32', () => {
    assert.match(error(`x == "${'a'.repeat(1000)}"`), /longer than 1000/);
    assert.match(error(`${'('.repeat(40)}true${')'.repeat(40)}`), /nested too deeply/);
    assert.match(error(`${'!'.repeat(40)}true`), /nested too deeply/);
    assert.equal(value(`${'('.repeat(20)}true${')'.repeat(20)}`), true);
  });

  test('a hostile long input is handled quickly', () => {
    const started = performance.now();
    for (const expression of ['a'.repeat(999), '('.repeat(999), '!'.repeat(999), '"'.repeat(999), '1'.repeat(999), 'a.'.repeat(499)]) {
      evaluateCondition(expression, {});
    }
    assert.ok(performance.now() - started < 200, `took ${performance.now() - started} ms`);
  });

  test('results are cached per expression, including errors, without mixing variables', () => {
    assert.equal(value('n > 1', { n: 2 }), true);
    assert.equal(value('n > 1', { n: 0 }), false);
    assert.equal(error('a =='), error('a =='));
  });
});
