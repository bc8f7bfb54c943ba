/**
 * Breakpoint conditions marked `sdk-evaluable`, evaluated by a small parser of our own: conditions come from the
 * server and are never run as code (no eval, Function or vm). The language is comparisons of variable paths and
 * literals joined by `&&`, `||`, `!` and parentheses:
 *
 *   user.age >= 18 && (order.total > 100 || user.tier == "gold") && !flags[0]
 *
 * Paths read own data properties only: a getter is not invoked and a Proxy is not touched (both read as
 * undefined), so evaluating a condition can never run user code.
 */
import { types } from 'node:util';

export type ConditionResult = { value: boolean; error?: undefined } | { value: false; error: string };

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'ident'; value: string }
  | { kind: 'op'; value: string };

type Node =
  | { type: 'literal'; value: unknown }
  | { type: 'path'; parts: Array<string | number> }
  | { type: 'not'; operand: Node }
  | { type: 'logical'; op: '&&' | '||'; left: Node; right: Node }
  | { type: 'compare'; op: string; left: Node; right: Node };

const MAX_LENGTH = 1000;
const MAX_DEPTH = 32;
const OPERATORS = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '.', '[', ']'];
const cache = new Map<string, Node | Error>();

export function evaluateCondition(expression: string, variables: Record<string, unknown>): ConditionResult {
  let ast = cache.get(expression);
  if (ast === undefined) {
    try {
      ast = parse(tokenize(expression));
    } catch (error) {
      ast = error instanceof Error ? error : new Error(String(error));
    }
    if (cache.size < 1000) cache.set(expression, ast);
  }
  if (ast instanceof Error) return { value: false, error: ast.message };
  try {
    return { value: truthy(evaluate(ast, variables)) };
  } catch (error) {
    return { value: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function tokenize(source: string): Token[] {
  if (source.length > MAX_LENGTH) throw new Error(`longer than ${MAX_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? '') && !isValueToken(tokens[tokens.length - 1]))) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ kind: 'num', value: Number(match[0]) });
      i += match[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        value += source[j];
        j++;
      }
      if (j >= source.length) throw new Error('unterminated string');
      tokens.push({ kind: 'str', value });
      i = j + 1;
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(i));
    if (ident !== null) {
      tokens.push({ kind: 'ident', value: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op === undefined) throw new Error(`unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind: 'op', value: op });
    i += op.length;
  }
  return tokens;
}

function isValueToken(token: Token | undefined): boolean {
  return token !== undefined && (token.kind !== 'op' || token.value === ')' || token.value === ']');
}

function parse(tokens: Token[]): Node {
  let position = 0;
  let depth = 0;
  const peek = () => tokens[position];
  const isOp = (value: string) => peek()?.kind === 'op' && peek()!.value === value;
  const expect = (value: string) => {
    if (!isOp(value)) throw new Error(`expected ${value}`);
    position++;
  };
  const enter = () => {
    if (++depth > MAX_DEPTH) throw new Error('nested too deeply');
  };

  function parseOr(): Node {
    let left = parseAnd();
    while (isOp('||')) {
      position++;
      left = { type: 'logical', op: '||', left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): Node {
    let left = parseCompare();
    while (isOp('&&')) {
      position++;
      left = { type: 'logical', op: '&&', left, right: parseCompare() };
    }
    return left;
  }
  function parseCompare(): Node {
    const left = parseUnary();
    const token = peek();
    if (token?.kind === 'op' && ['===', '!==', '==', '!=', '<', '<=', '>', '>='].includes(token.value)) {
      position++;
      return { type: 'compare', op: token.value, left, right: parseUnary() };
    }
    return left;
  }
  /** `!` binds tighter than comparisons, as in JavaScript: `!x === false` is `(!x) === false`. */
  function parseUnary(): Node {
    if (isOp('!')) {
      position++;
      enter();
      const operand = parseUnary();
      depth--;
      return { type: 'not', operand };
    }
    return parsePrimary();
  }
  function parsePrimary(): Node {
    const token = peek();
    if (token === undefined) throw new Error('unexpected end');
    if (token.kind === 'op' && token.value === '(') {
      position++;
      enter();
      const inner = parseOr();
      depth--;
      expect(')');
      return inner;
    }
    position++;
    if (token.kind === 'num' || token.kind === 'str') return { type: 'literal', value: token.value };
    if (token.kind === 'ident') {
      if (token.value === 'true') return { type: 'literal', value: true };
      if (token.value === 'false') return { type: 'literal', value: false };
      if (token.value === 'null') return { type: 'literal', value: null };
      if (token.value === 'undefined') return { type: 'literal', value: undefined };
      const parts: Array<string | number> = [token.value];
      for (;;) {
        if (isOp('.')) {
          position++;
          const next = peek();
          if (next?.kind !== 'ident') throw new Error('expected a property name after .');
          parts.push(next.value);
          position++;
        } else if (isOp('[')) {
          position++;
          const key = peek();
          if (key?.kind !== 'num' && key?.kind !== 'str') throw new Error('expected a number or string in [ ]');
          parts.push(key.value);
          position++;
          expect(']');
        } else break;
      }
      return { type: 'path', parts };
    }
    throw new Error(`unexpected ${token.value}`);
  }

  const ast = parseOr();
  if (position !== tokens.length) throw new Error(`unexpected ${String(tokens[position]!.value)}`);
  return ast;
}

function evaluate(node: Node, variables: Record<string, unknown>): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'path':
      return readPath(variables, node.parts);
    case 'not':
      return !truthy(evaluate(node.operand, variables));
    case 'logical': {
      const left = truthy(evaluate(node.left, variables));
      if (node.op === '&&') return left && truthy(evaluate(node.right, variables));
      return left || truthy(evaluate(node.right, variables));
    }
    case 'compare':
      return compare(node.op, evaluate(node.left, variables), evaluate(node.right, variables));
  }
}

/** Own data properties only; getters, Proxies and prototype chains are never consulted. */
function readPath(root: unknown, parts: ReadonlyArray<string | number>): unknown {
  let current: unknown = root;
  for (const part of parts) {
    if (current === null || (typeof current !== 'object' && typeof current !== 'function')) return undefined;
    if (types.isProxy(current)) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(current, part);
    if (descriptor === undefined || !('value' in descriptor)) return undefined;
    current = descriptor.value;
  }
  return current;
}

function compare(op: string, left: unknown, right: unknown): boolean {
  switch (op) {
    case '==':
    case '===':
      return left === right || (left == null && right == null && op === '==');
    case '!=':
    case '!==':
      return !(left === right || (left == null && right == null && op === '!='));
    default: {
      const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
      if (!comparable) return false;
      const a = left as number | string;
      const b = right as number | string;
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    }
  }
}

function truthy(value: unknown): boolean {
  // Plain JS truthiness on primitives; any object counts as true without being inspected.
  return Boolean(value);
}
