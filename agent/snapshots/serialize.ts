/**
 * Safe serialization of the variables of a code-monitoring snapshot (within the limits the backend accepts). Pure and
 * synchronous; it never throws and never runs user code:
 *
 * - Proxies are detected with `util.types.isProxy` before anything else touches them (even
 *   `Object.getOwnPropertyDescriptor` runs a Proxy's traps) and become `[Proxy]`.
 * - Properties are read through their own descriptors, so getters and setters are never invoked: accessors become
 *   `[Getter]`, `[Setter]` or `[Getter/Setter]`. Inherited accessors are not shown. `toJSON`, `valueOf`,
 *   `toString`, `Symbol.iterator` and `Symbol.toPrimitive` of the values are never called.
 * - Built-ins are read through intrinsics captured when this module loads (`Map.prototype.entries`, the `size`
 *   getter, `Date.prototype.getTime`, the typed-array `length` getter, …), applied to the value: a subclass that
 *   overrides `entries()` or `size` is not consulted.
 *
 * Output format (plain JSON data; markers are strings in square brackets):
 *
 * | value | output |
 * |---|---|
 * | string | itself; longer than `maxStringLength`: the first `maxStringLength` characters + `…[truncated N chars]` (N = length − limit) |
 * | finite number, boolean, null | itself |
 * | NaN, Infinity, -Infinity, -0, undefined | `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`, `"undefined"` |
 * | BigInt | `"123n"` (`"[BigInt: more than 300 digits]"` when huge) |
 * | Symbol | `"Symbol(desc)"` |
 * | function | `"[Function: name]"`, `"[AsyncFunction: name]"`, `"[GeneratorFunction: name]"`, `"[Function (anonymous)]"` |
 * | boxed primitive | `"[Number: 3]"`, `"[String: abc]"`, `"[Boolean: true]"`, `"[BigInt: 1n]"`, `"[Symbol: Symbol(x)]"` |
 * | Date | ISO string, or `"Invalid Date"` |
 * | RegExp | `"/source/flags"` |
 * | URL, URLSearchParams | the string form (`href`, `a=1&b=2`), scrubbed |
 * | Promise, WeakMap, WeakSet, WeakRef, generator, iterators, KeyObject | `"[Promise]"`, `"[WeakMap]"`, … |
 * | Proxy | `"[Proxy]"` |
 * | array | array (holes as `"[N empty items]"`); beyond `maxItems`: a last item `"[… N more items]"` |
 * | plain or null-prototype object | object; beyond `maxKeys`: a last key `"…": "[N more keys]"` |
 * | class instance | object with `"@type": "<constructor name>"` first, then the own enumerable properties |
 * | Map | `{"@type":"Map","size":n,"entries":[[key,value],…]}`; beyond `maxItems`: `"…": "[N more entries]"` |
 * | Set | `{"@type":"Set","size":n,"values":[…]}`; beyond `maxItems`: `"…": "[N more values]"` (a subclass of either adds `"@class"`) |
 * | Error | `{"@type":"Error","name","message","stack"?,"cause"?,"errors"?, …own enumerable props}` (`stack` is left out when `name` or `message` is an accessor: V8 would call it to format the stack) |
 * | Buffer | `{"@type":"Buffer","length":n,"hex":"<first 64 bytes>…"}` |
 * | typed array | `{"@type":"Uint16Array","length":n,"items":[…]}` |
 * | ArrayBuffer, SharedArrayBuffer | `{"@type":"ArrayBuffer","byteLength":n,"hex":"…"}` |
 * | DataView | `{"@type":"DataView","byteLength":n,"byteOffset":n}` |
 * | container at the depth limit | `"[Object]"`, `"[Array(n)]"`, `"[Map(n)]"`, `"[Set(n)]"`, `"[ClassName]"`, `"[TypeError]"` |
 * | cycle (an ancestor) | `"[Circular]"` |
 * | after the time budget (2 ms of CPU time, see `cpuTime`) | `"[budget exceeded]"`: each remaining top-level variable gets it; an open container gets one trailing item (array) or `"…"` key (object, Map, Set) |
 * | after ~90 % of the payload cap (estimated while walking) | `"[payload limit]"`, the same way |
 * | a value that failed | `"[unserializable: <reason>]"` |
 *
 * Variables that are not an object record (an array, a Map, a primitive, a Proxy) are captured as `{ "value": … }`.
 *
 * Time: the clock is read every 16 nodes. Two costs cannot be bounded from JavaScript: `Object.keys` of an object with
 * millions of keys, and V8 flattening a rope string (built by `+=`/`repeat`) on its first read — a one-time cost the
 * app would pay on its own first read of that string. A cold process also pays for lazy compilation on its first
 * capture (several ms): `warmUpSerializer()` moves that to start-up.
 *
 * Payload cap: when the JSON of the variables is still over `maxPayloadBytes`, `variables` takes the marker form
 * `{"_truncated":true,"_reason":"payload_limit","_payload_bytes":<size before>,"_max_payload_bytes":<cap>, <name>:
 * <value, if it fits> | "[omitted: N bytes]", …}` (variables kept in order while they fit); if even that is over
 * the cap, only the four `_` keys remain.
 *
 * PII (when a `PiiScrubber` is given): every key at every depth (object keys, Map keys, top-level names) is checked
 * with `isSensitiveName` (value → `[REDACTED:sensitive_name]`, not serialized at all) and every string (values,
 * keys, array items, Map keys and values, Set items, URLs, error messages and stacks, RegExp sources, Buffer
 * previews) goes through `scrubText`. Flags are `{type, severity, variable}` with a readable path
 * (`user.credentials[0].token`, `headers.get("authorization")`, `tags.values()[2]`), deduplicated by
 * (type, variable), at most 100.
 */
import { Buffer } from 'node:buffer';
import { nodeRequire } from '../node-require.js';
import { types as utilTypes } from 'node:util';
import { REDACTED_SENSITIVE_NAME, SENSITIVE_NAME_FLAG, type PiiScrubber } from './pii.js';

export interface SerializeLimits {
  maxDepth: number;
  maxItems: number;
  maxKeys: number;
  maxStringLength: number;
  maxPayloadBytes: number;
  timeBudgetMs: number;
}

export const DEFAULT_SERIALIZE_LIMITS: Readonly<SerializeLimits> = Object.freeze({
  maxDepth: 5,
  maxItems: 100,
  maxKeys: 50,
  maxStringLength: 1024,
  maxPayloadBytes: 65536,
  timeBudgetMs: 2,
});

/** Floors under which a lowered limit is raised again (a cap the marker form cannot meet is of no use). */
const LIMIT_FLOORS: Readonly<SerializeLimits> = Object.freeze({
  maxDepth: 0,
  maxItems: 0,
  maxKeys: 0,
  maxStringLength: 16,
  maxPayloadBytes: 1024,
  timeBudgetMs: 0,
});

export interface SecurityFlag {
  type: string;
  severity: 'medium' | 'high';
  variable: string;
}

export interface SerializeOptions {
  /** Lower any limit (e.g. a breakpoint's `max_depth`, `max_payload_bytes`); values above the defaults are ignored. */
  limits?: Partial<SerializeLimits>;
  pii?: PiiScrubber;
  /** Monotonic milliseconds; `performance.now` by default (injectable for tests). */
  now?: () => number;
  /**
   * The process's CPU milliseconds, read only once the wall-clock budget has run out, to tell a capture that
   * really took that long from one whose thread was preempted (a busy machine): only spent CPU time ends it.
   * `process.cpuUsage` by default; with an injected `now` and no `cpuTime`, the wall clock alone decides.
   */
  cpuTime?: () => number;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export interface SerializeResult {
  variables: Record<string, unknown>;
  securityFlags: SecurityFlag[];
  /** True when anything was left out: a string, items, keys, depth, the time budget or the payload cap. */
  truncated: boolean;
  /** UTF-8 size of `JSON.stringify(variables)`. */
  bytes: number;
}

export const MARKER_CIRCULAR = '[Circular]';
export const MARKER_PROXY = '[Proxy]';
export const MARKER_BUDGET = '[budget exceeded]';
export const MARKER_PAYLOAD = '[payload limit]';
/** The key that carries "[N more keys]" (or a stop marker) in an object that was cut short. */
export const MORE_KEY = '…';

const STRING_WINDOW_SLACK = 512;
const MAX_FLAGS = 100;
const MAX_PATH = 256;
const MAX_KEY_LENGTH = 256;
const CLOCK_EVERY = 16;
const PREVIEW_BYTES = 64;
const HUGE_BIGINT = 10n ** 300n;

/** Each limit: a finite number, floored, never above the default nor under its floor. */
export function resolveLimits(partial?: Partial<SerializeLimits>): SerializeLimits {
  const out = { ...DEFAULT_SERIALIZE_LIMITS };
  if (partial === null || typeof partial !== 'object') return out;
  for (const key of Object.keys(DEFAULT_SERIALIZE_LIMITS) as Array<keyof SerializeLimits>) {
    let v: unknown;
    try {
      const d = Object.getOwnPropertyDescriptor(partial, key);
      v = d !== undefined && 'value' in d ? d.value : undefined;
    } catch {
      v = undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const n = key === 'timeBudgetMs' ? v : Math.floor(v);
    out[key] = Math.max(LIMIT_FLOORS[key], Math.min(DEFAULT_SERIALIZE_LIMITS[key], n));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Intrinsics, captured once
// ---------------------------------------------------------------------------------------------------------------

const apply = Reflect.apply;
const getProto = Object.getPrototypeOf;
const getOwnDesc = Object.getOwnPropertyDescriptor;
const objectKeys = Object.keys;
const ownSymbols = Object.getOwnPropertySymbols;
const isArray = Array.isArray;
const defineProperty = Object.defineProperty;
const ObjectPrototype = Object.prototype;
const hasOwnProperty = Object.prototype.hasOwnProperty;

type Uncurried = (self: unknown, ...args: unknown[]) => unknown;

function uncurry(fn: unknown): Uncurried {
  if (typeof fn !== 'function') {
    return () => {
      throw new TypeError('intrinsic missing');
    };
  }
  return (self, ...args) => apply(fn as (...a: unknown[]) => unknown, self, args);
}

function uncurryGetter(proto: object, key: PropertyKey): Uncurried {
  return uncurry(getOwnDesc(proto, key)?.get);
}

const FLAG_CHARS: Readonly<Record<string, string>> = {
  hasIndices: 'd',
  global: 'g',
  ignoreCase: 'i',
  multiline: 'm',
  dotAll: 's',
  unicode: 'u',
  unicodeSets: 'v',
  sticky: 'y',
};

const TypedArrayPrototype: object = getProto(Uint8Array.prototype) as object;
const I = {
  mapSize: uncurryGetter(Map.prototype, 'size'),
  mapEntries: uncurry(Map.prototype.entries),
  mapIterNext: uncurry((getProto(new Map().entries()) as { next: unknown }).next),
  setSize: uncurryGetter(Set.prototype, 'size'),
  setValues: uncurry(Set.prototype.values),
  setIterNext: uncurry((getProto(new Set().values()) as { next: unknown }).next),
  dateGetTime: uncurry(Date.prototype.getTime),
  dateToISOString: uncurry(Date.prototype.toISOString),
  regexpSource: uncurryGetter(RegExp.prototype, 'source'),
  regexpFlags: (['hasIndices', 'global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'unicodeSets', 'sticky'] as const)
    .filter((name) => typeof getOwnDesc(RegExp.prototype, name)?.get === 'function')
    .map((name) => [FLAG_CHARS[name] ?? '', uncurryGetter(RegExp.prototype, name)] as const),
  symbolToString: uncurry(Symbol.prototype.toString),
  numberValueOf: uncurry(Number.prototype.valueOf),
  stringValueOf: uncurry(String.prototype.valueOf),
  booleanValueOf: uncurry(Boolean.prototype.valueOf),
  bigintValueOf: uncurry(BigInt.prototype.valueOf),
  symbolValueOf: uncurry(Symbol.prototype.valueOf),
  taLength: uncurryGetter(TypedArrayPrototype, 'length'),
  taByteLength: uncurryGetter(TypedArrayPrototype, 'byteLength'),
  taByteOffset: uncurryGetter(TypedArrayPrototype, 'byteOffset'),
  taBuffer: uncurryGetter(TypedArrayPrototype, 'buffer'),
  taTag: uncurryGetter(TypedArrayPrototype, Symbol.toStringTag),
  abByteLength: uncurryGetter(ArrayBuffer.prototype, 'byteLength'),
  sabByteLength: uncurryGetter(SharedArrayBuffer.prototype, 'byteLength'),
  dvByteLength: uncurryGetter(DataView.prototype, 'byteLength'),
  dvByteOffset: uncurryGetter(DataView.prototype, 'byteOffset'),
  urlHref: uncurryGetter(URL.prototype, 'href'),
  searchParamsToString: uncurry(URLSearchParams.prototype.toString),
  bufferToString: uncurry(Buffer.prototype.toString),
  bufferFrom: Buffer.from.bind(Buffer) as (ab: ArrayBufferLike, offset: number, length: number) => Buffer,
  jsonStringify: JSON.stringify,
  byteLength: Buffer.byteLength.bind(Buffer) as (s: string) => number,
};


const BufferPrototype: object = Buffer.prototype;
const URLPrototype: object = URL.prototype;
const URLSearchParamsPrototype: object = URLSearchParams.prototype;
const WeakRefPrototype: object | undefined = typeof WeakRef === 'function' ? WeakRef.prototype : undefined;
const MapPrototype: object = Map.prototype;
const ArrayPrototype: object = Array.prototype;
// util.types.isKeyObject / isCryptoKey read a symbol-keyed property ([[Get]], which reaches a Proxy in the prototype
// chain); comparing prototypes does not.
// Looked up on the first capture: loading crypto at agent start-up costs ~8 ms, and code monitoring is usually off.
let keyObjectPrototype: object | undefined | null = null;
function getKeyObjectPrototype(): object | undefined {
  if (keyObjectPrototype === null) {
    const { KeyObject } = nodeRequire('node:crypto') as typeof import('node:crypto');
    keyObjectPrototype = typeof KeyObject === 'function' ? (KeyObject.prototype as object) : undefined;
  }
  return keyObjectPrototype;
}
// Read on first use: the CryptoKey global is a lazy getter that loads webcrypto (and crypto, streams) at start-up.
let cryptoKeyPrototype: object | undefined | null = null;
function getCryptoKeyPrototype(): object | undefined {
  if (cryptoKeyPrototype === null) {
    const CryptoKey = (globalThis as { CryptoKey?: unknown }).CryptoKey;
    cryptoKeyPrototype = typeof CryptoKey === 'function' ? ((CryptoKey as { prototype: object }).prototype) : undefined;
  }
  return cryptoKeyPrototype;
}
const SetPrototype: object = Set.prototype;

// ---------------------------------------------------------------------------------------------------------------
// State of one capture
// ---------------------------------------------------------------------------------------------------------------

const RUNNING = 0;
const STOP_BUDGET = 1;
const STOP_PAYLOAD = 2;

interface State {
  readonly limits: SerializeLimits;
  readonly pii: PiiScrubber | undefined;
  readonly now: () => number;
  readonly start: number;
  readonly cpuTime: (() => number) | undefined;
  readonly cpuStart: number;
  readonly softPayload: number;
  nodes: number;
  size: number;
  stop: number;
  truncated: boolean;
  /** The containers being serialized, outermost first (at most maxDepth + 2: an array beats a Set here). */
  readonly ancestors: object[];
  readonly flags: SecurityFlag[];
  readonly flagKeys: Set<string>;
}

function stopMarker(st: State): string {
  return st.stop === STOP_BUDGET ? MARKER_BUDGET : MARKER_PAYLOAD;
}

function checkClock(st: State): void {
  try {
    const budget = st.limits.timeBudgetMs;
    // The process's CPU time counts every thread, so it never says less than this capture spent.
    if (st.now() - st.start > budget && (st.cpuTime === undefined || st.cpuTime() - st.cpuStart > budget)) {
      st.stop = STOP_BUDGET;
      st.truncated = true;
    }
  } catch {
    // A broken clock: carry on; the payload cap still bounds the work.
  }
}

function charge(st: State, n: number): void {
  st.size += n;
  if (st.size > st.softPayload && st.stop === RUNNING) {
    st.stop = STOP_PAYLOAD;
    st.truncated = true;
  }
}

function flag(st: State, type: string, path: string): void {
  if (st.flags.length >= MAX_FLAGS) return;
  const variable = path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
  const key = `${type}\u0000${variable}`;
  if (st.flagKeys.has(key)) return;
  st.flagKeys.add(key);
  st.flags.push({ type, severity: type === SENSITIVE_NAME_FLAG ? 'medium' : 'high', variable });
}

function flagAll(st: State, types: readonly string[], path: string): void {
  for (const t of types) flag(st, t, path);
}

// ---------------------------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function quoteForPath(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

function childPath(path: string, key: string): string {
  if (path === '') return key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${quoteForPath(key)}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// Leaves
// ---------------------------------------------------------------------------------------------------------------

/** Copies a short slice into a string of its own, so a 1 KB head does not keep a 100 MB parent string alive. */
function ownCopy(s: string): string {
  return (` ${s}`).slice(1);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function serializeString(s: string, path: string, st: State): string {
  const max = st.limits.maxStringLength;
  if (s.length <= max) {
    if (st.pii === undefined) {
      charge(st, s.length + 2);
      return s;
    }
    const r = st.pii.scrubText(s);
    if (r.types.length > 0) flagAll(st, r.types, path);
    charge(st, r.value.length + 2);
    return r.value;
  }
  st.truncated = true;
  const suffix = `…[truncated ${s.length - max} chars]`;
  let head: string;
  if (st.pii === undefined) {
    let cut = max;
    if (isHighSurrogate(s.charCodeAt(cut - 1))) cut--;
    head = s.slice(0, cut);
  } else {
    // Scrub a window a little longer than what is kept, so that a secret straddling the cut is still recognised.
    const windowed = s.length > max + STRING_WINDOW_SLACK;
    const window = windowed ? s.slice(0, max + STRING_WINDOW_SLACK) : s;
    const r = st.pii.scrubText(window);
    if (r.types.length > 0) flagAll(st, r.types, path);
    const w = r.value;
    let cut = Math.min(max, w.length);
    if (windowed) {
      // The unmodified tail of the window may hold the start of a secret cut by the window; never keep it.
      let same = 0;
      const limit = Math.min(STRING_WINDOW_SLACK, w.length);
      while (same < limit && w.charCodeAt(w.length - 1 - same) === window.charCodeAt(window.length - 1 - same)) same++;
      cut = Math.min(cut, w.length - same);
    }
    // Do not cut a marker in half.
    const open = w.lastIndexOf('[REDACTED:', cut - 1);
    if (open !== -1) {
      const close = w.indexOf(']', open);
      if (close >= cut && close - open <= 40) cut = close + 1;
    }
    if (cut > 0 && isHighSurrogate(w.charCodeAt(cut - 1))) cut--;
    head = w.slice(0, Math.max(0, cut));
  }
  const out = ownCopy(head) + suffix;
  charge(st, out.length + 2);
  return out;
}

function serializeNumber(n: number, path: string, st: State): unknown {
  charge(st, 8);
  if (n !== n) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0 && 1 / n < 0) return '-0';
  if (st.pii !== undefined && n >= 1e15 && n < 1e16 && Number.isInteger(n)) {
    // A card number stored as a number.
    const r = st.pii.scrubString(String(n));
    if (r.types.length > 0) {
      flagAll(st, r.types, path);
      return r.value;
    }
  }
  return n;
}

function bigintText(b: bigint): string {
  if (b > HUGE_BIGINT || b < -HUGE_BIGINT) return '[BigInt: more than 300 digits]';
  return `${b}n`;
}

function serializeBigInt(b: bigint, path: string, st: State): string {
  const text = bigintText(b);
  charge(st, text.length + 2);
  if (st.pii !== undefined && text.length >= 17 && text.length <= 18) {
    const r = st.pii.scrubString(text.slice(0, -1));
    if (r.types.length > 0) {
      flagAll(st, r.types, path);
      return r.value;
    }
  }
  return text;
}

function symbolText(sym: symbol, path: string, st: State): string {
  return serializeString(I.symbolToString(sym) as string, path, st);
}

function functionName(fn: object): string {
  if (utilTypes.isProxy(fn)) return '';
  const d = getOwnDesc(fn, 'name');
  const name = d !== undefined && 'value' in d && typeof d.value === 'string' ? (d.value as string) : '';
  return name.length > 128 ? `${name.slice(0, 128)}…` : name;
}

function functionMarker(fn: object): string {
  const name = functionName(fn);
  const kind = utilTypes.isAsyncFunction(fn) ? 'AsyncFunction' : utilTypes.isGeneratorFunction(fn) ? 'GeneratorFunction' : 'Function';
  return name === '' ? `[${kind} (anonymous)]` : `[${kind}: ${name}]`;
}

function accessorMarker(d: PropertyDescriptor): string {
  if (d.get !== undefined && d.set !== undefined) return '[Getter/Setter]';
  return d.get !== undefined ? '[Getter]' : '[Setter]';
}

function hexPreview(buffer: ArrayBufferLike, offset: number, length: number, path: string, st: State): string {
  const n = Math.min(length, PREVIEW_BYTES);
  if (n <= 0) return ''; // empty or detached
  const view = I.bufferFrom(buffer, offset, n);
  let hex = I.bufferToString(view, 'hex') as string;
  if (st.pii !== undefined) {
    // A hex preview hides text from the patterns, not from a reader: check the bytes as text.
    const r = st.pii.scrubText(I.bufferToString(view, 'latin1') as string);
    if (r.types.length > 0) {
      flagAll(st, r.types, path);
      hex = `[REDACTED:${r.types[0] === SENSITIVE_NAME_FLAG ? 'sensitive_name' : r.types[0]}]`;
    }
  }
  return length > n ? `${hex}…` : hex;
}

// ---------------------------------------------------------------------------------------------------------------
// Prototype chain (never on a Proxy)
// ---------------------------------------------------------------------------------------------------------------

function inChain(o: object, target: object | undefined): boolean {
  if (target === undefined) return false;
  let p: unknown = o;
  for (let i = 0; i < 32; i++) {
    if (p === null || typeof p !== 'object' || utilTypes.isProxy(p)) return false;
    p = getProto(p);
    if (p === target) return true;
  }
  return false;
}

/** The constructor's name from the prototype chain's own `constructor` data property; undefined for plain objects. */
function className(o: object): string | undefined {
  let p: unknown = getProto(o);
  if (p === ObjectPrototype || p === null) return undefined;
  for (let i = 0; i < 32 && p !== null && typeof p === 'object'; i++) {
    if (utilTypes.isProxy(p)) return undefined;
    const d = getOwnDesc(p, 'constructor');
    if (d !== undefined && 'value' in d && typeof d.value === 'function') {
      const name = functionName(d.value as object);
      return name === '' || name === 'Object' ? undefined : name;
    }
    p = getProto(p);
  }
  return undefined;
}

/** Whether the first property `key` found along the prototype chain is an accessor (or the chain has a Proxy). */
function isAccessorInChain(o: object, key: PropertyKey): boolean {
  let p: unknown = o;
  for (let i = 0; i < 32 && p !== null && typeof p === 'object'; i++) {
    if (utilTypes.isProxy(p)) return true;
    const d = getOwnDesc(p, key);
    if (d !== undefined) return !('value' in d);
    p = getProto(p);
  }
  return false;
}

function readOwnData(o: object, key: PropertyKey): { found: boolean; value: unknown } {
  const d = getOwnDesc(o, key);
  if (d === undefined || !('value' in d)) return { found: false, value: undefined };
  return { found: true, value: d.value };
}

/** A data property found along the prototype chain (for `Error#name`); accessors are not called. */
function readChainData(o: object, key: PropertyKey): unknown {
  let p: unknown = o;
  for (let i = 0; i < 32 && p !== null && typeof p === 'object'; i++) {
    if (utilTypes.isProxy(p)) return undefined;
    const d = getOwnDesc(p, key);
    if (d !== undefined) return 'value' in d ? d.value : undefined;
    p = getProto(p);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------------------------

function reasonOf(e: unknown): string {
  try {
    if (e !== null && typeof e === 'object' && !utilTypes.isProxy(e) && utilTypes.isNativeError(e)) {
      const name = readChainData(e, 'name');
      const message = readOwnData(e, 'message').value;
      const text = `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : ''}`;
      return text.length > 100 ? `${text.slice(0, 100)}…` : text;
    }
    return typeof e;
  } catch {
    return 'unknown';
  }
}

function unserializable(e: unknown, st: State): string {
  const reason = reasonOf(e);
  const text = `[unserializable: ${st.pii === undefined ? reason : st.pii.scrubString(reason).value}]`;
  charge(st, text.length + 2);
  return text;
}

function serialize(v: unknown, depth: number, path: string, st: State): unknown {
  try {
    if ((st.nodes++ & (CLOCK_EVERY - 1)) === 0) checkClock(st);
    if (st.stop !== RUNNING) return stopMarker(st);
    switch (typeof v) {
      case 'string':
        return serializeString(v, path, st);
      case 'number':
        return serializeNumber(v, path, st);
      case 'boolean':
        charge(st, 5);
        return v;
      case 'undefined':
        charge(st, 11);
        return 'undefined';
      case 'bigint':
        return serializeBigInt(v, path, st);
      case 'symbol':
        return symbolText(v, path, st);
      case 'function': {
        const text = utilTypes.isProxy(v) ? MARKER_PROXY : functionMarker(v);
        charge(st, text.length + 2);
        return text;
      }
      case 'object':
        if (v === null) {
          charge(st, 4);
          return null;
        }
        return serializeObject(v, depth, path, st);
      default:
        return `[${typeof v}]`;
    }
  } catch (e) {
    return unserializable(e, st);
  }
}

function leaf(st: State, text: string): string {
  charge(st, text.length + 2);
  return text;
}

function serializeObject(o: object, depth: number, path: string, st: State): unknown {
  if (utilTypes.isProxy(o)) return leaf(st, MARKER_PROXY);

  // Fast paths: plain objects, null-prototype objects and plain arrays (most of what gets captured).
  const proto: unknown = getProto(o);
  if (proto === ObjectPrototype || proto === null) return serializeRecord(o, undefined, depth, path, st);
  if (proto === ArrayPrototype && isArray(o)) {
    if (st.ancestors.includes(o)) return leaf(st, MARKER_CIRCULAR);
    if (depth >= st.limits.maxDepth) return depthMarker(st, `[Array(${(o as unknown[]).length})]`);
    return enter(o, st, () => serializeArray(o as unknown[], depth, path, st));
  }

  // Leaves: no recursion, fine at any depth.
  if (utilTypes.isDate(o)) {
    const t = I.dateGetTime(o) as number;
    return leaf(st, Number.isFinite(t) ? (I.dateToISOString(o) as string) : 'Invalid Date');
  }
  if (utilTypes.isBoxedPrimitive(o)) return serializeBoxed(o, path, st);
  if (utilTypes.isRegExp(o)) {
    let flags = '';
    for (const [ch, getter] of I.regexpFlags) if (getter(o) === true) flags += ch;
    return serializeString(`/${I.regexpSource(o) as string}/${flags}`, path, st);
  }
  if (utilTypes.isPromise(o)) return leaf(st, '[Promise]');
  if (utilTypes.isWeakMap(o)) return leaf(st, '[WeakMap]');
  if (utilTypes.isWeakSet(o)) return leaf(st, '[WeakSet]');
  if (utilTypes.isGeneratorObject(o)) return leaf(st, '[Generator]');
  if (utilTypes.isMapIterator(o)) return leaf(st, '[Map Iterator]');
  if (utilTypes.isSetIterator(o)) return leaf(st, '[Set Iterator]');
  if (inChain(o, getKeyObjectPrototype())) return leaf(st, '[KeyObject]');
  if (inChain(o, getCryptoKeyPrototype())) return leaf(st, '[CryptoKey]');
  if (utilTypes.isExternal(o)) return leaf(st, '[External]');
  if (utilTypes.isTypedArray(o)) return serializeTypedArray(o, path, st);
  if (utilTypes.isAnyArrayBuffer(o)) {
    const shared = utilTypes.isSharedArrayBuffer(o);
    const byteLength = (shared ? I.sabByteLength(o) : I.abByteLength(o)) as number;
    charge(st, 48);
    return {
      '@type': shared ? 'SharedArrayBuffer' : 'ArrayBuffer',
      byteLength,
      hex: hexPreview(o as ArrayBufferLike, 0, byteLength, path, st),
    };
  }
  if (utilTypes.isDataView(o)) {
    charge(st, 48);
    return { '@type': 'DataView', byteLength: I.dvByteLength(o) as number, byteOffset: I.dvByteOffset(o) as number };
  }
  if (WeakRefPrototype !== undefined && inChain(o, WeakRefPrototype)) return leaf(st, '[WeakRef]');
  if (inChain(o, URLPrototype)) {
    let href: string | undefined;
    try {
      href = I.urlHref(o) as string;
    } catch {
      href = undefined; // not a real URL (an object that merely inherits from URL.prototype)
    }
    if (typeof href === 'string') return serializeString(href, path, st);
  }
  if (inChain(o, URLSearchParamsPrototype)) {
    let query: string | undefined;
    try {
      query = I.searchParamsToString(o) as string;
    } catch {
      query = undefined;
    }
    if (typeof query === 'string') {
      const text = serializeString(`?${query}`, path, st);
      return text.startsWith('?') ? text.slice(1) : text;
    }
  }

  // Containers.
  if (st.ancestors.includes(o)) return leaf(st, MARKER_CIRCULAR);
  const atLimit = depth >= st.limits.maxDepth;
  if (isArray(o)) {
    if (atLimit) return depthMarker(st, `[Array(${(o as unknown[]).length})]`);
    return enter(o, st, () => serializeArray(o as unknown[], depth, path, st));
  }
  if (utilTypes.isMap(o)) {
    if (atLimit) return depthMarker(st, `[Map(${I.mapSize(o) as number})]`);
    return enter(o, st, () => serializeMap(o, depth, path, st));
  }
  if (utilTypes.isSet(o)) {
    if (atLimit) return depthMarker(st, `[Set(${I.setSize(o) as number})]`);
    return enter(o, st, () => serializeSet(o, depth, path, st));
  }
  if (utilTypes.isNativeError(o)) {
    const name = readChainData(o, 'name');
    if (atLimit) return depthMarker(st, `[${typeof name === 'string' && name !== '' ? name.slice(0, 64) : 'Error'}]`);
    return enter(o, st, () => serializeError(o, depth, path, st));
  }
  return serializeRecord(o, className(o), depth, path, st);
}

/** A plain object, a null-prototype object or a class instance (`cls`): its own enumerable properties. */
function serializeRecord(o: object, cls: string | undefined, depth: number, path: string, st: State): unknown {
  if (st.ancestors.includes(o)) return leaf(st, MARKER_CIRCULAR);
  if (depth >= st.limits.maxDepth) return depthMarker(st, `[${cls ?? 'Object'}]`);
  return enter(o, st, () => {
    const out: Record<string, unknown> = {};
    if (cls !== undefined) {
      out['@type'] = cls;
      charge(st, cls.length + 12);
    }
    serializeProps(o, out, depth, path, st, undefined, false);
    return out;
  });
}

function depthMarker(st: State, text: string): string {
  st.truncated = true;
  return leaf(st, text);
}

function enter<T>(o: object, st: State, body: () => T): T {
  st.ancestors.push(o);
  try {
    return body();
  } finally {
    st.ancestors.pop();
  }
}

function serializeBoxed(o: object, path: string, st: State): string {
  if (utilTypes.isNumberObject(o)) {
    const n = I.numberValueOf(o) as number;
    const text = n !== n ? 'NaN' : n === 0 && 1 / n < 0 ? '-0' : String(n);
    return leaf(st, `[Number: ${text}]`);
  }
  if (utilTypes.isStringObject(o)) return `[String: ${serializeString(I.stringValueOf(o) as string, path, st)}]`;
  if (utilTypes.isBooleanObject(o)) return leaf(st, `[Boolean: ${String(I.booleanValueOf(o))}]`);
  if (utilTypes.isBigIntObject(o)) return leaf(st, `[BigInt: ${bigintText(I.bigintValueOf(o) as bigint)}]`);
  if (utilTypes.isSymbolObject(o)) return `[Symbol: ${symbolText(I.symbolValueOf(o) as symbol, path, st)}]`;
  return leaf(st, '[Object]');
}

function serializeTypedArray(o: object, path: string, st: State): unknown {
  const length = I.taLength(o) as number;
  if (inChain(o, BufferPrototype)) {
    charge(st, 40);
    const buffer = I.taBuffer(o) as ArrayBufferLike;
    return { '@type': 'Buffer', length, hex: hexPreview(buffer, I.taByteOffset(o) as number, I.taByteLength(o) as number, path, st) };
  }
  const tag = I.taTag(o) as string;
  const n = Math.min(length, st.limits.maxItems);
  const items: unknown[] = [];
  const indexed = o as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    // Integer-indexed element reads on a real typed array never reach a getter.
    const x = indexed[i];
    items.push(typeof x === 'bigint' ? bigintText(x) : typeof x === 'number' ? numberText(x) : null);
  }
  if (length > n) {
    items.push(`[… ${length - n} more items]`);
    st.truncated = true;
  }
  charge(st, 40 + n * 6);
  return { '@type': tag, length, items };
}

function numberText(n: number): unknown {
  if (n !== n) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0 && 1 / n < 0) return '-0';
  return n;
}

function serializeArray(a: unknown[], depth: number, path: string, st: State): unknown[] {
  const length = a.length;
  const n = Math.min(length, st.limits.maxItems);
  const out: unknown[] = [];
  charge(st, 2);
  let holes = 0;
  const flushHoles = (): void => {
    if (holes === 0) return;
    out.push(`[${holes} empty item${holes === 1 ? '' : 's'}]`);
    charge(st, 20);
    holes = 0;
  };
  let i = 0;
  for (; i < n; i++) {
    if (st.stop !== RUNNING) break;
    const d = getOwnDesc(a, i);
    if (d === undefined) {
      holes++;
      continue;
    }
    flushHoles();
    charge(st, 1);
    const itemPath = st.pii === undefined ? '' : `${path}[${i}]`;
    out.push('value' in d ? serialize(d.value, depth + 1, itemPath, st) : leaf(st, accessorMarker(d)));
  }
  flushHoles();
  if (i < n) {
    const marker = stopMarker(st);
    if (out[out.length - 1] !== marker) out.push(marker);
  } else if (length > n) {
    out.push(`[… ${length - n} more items]`);
    st.truncated = true;
    charge(st, 30);
  }
  return out;
}

function mapKeyPath(path: string, key: unknown, shownKey: unknown, i: number): string {
  if (typeof key === 'string') return `${path}.get(${quoteForPath(typeof shownKey === 'string' ? shownKey : key)})`;
  if (typeof key === 'number' || typeof key === 'boolean') return `${path}.get(${String(key)})`;
  return `${path}.values()[${i}]`;
}

function serializeMap(m: object, depth: number, path: string, st: State): unknown {
  const size = I.mapSize(m) as number;
  const out: Record<string, unknown> = { '@type': 'Map', size };
  addSubclass(m, MapPrototype, out);
  const entries: unknown[] = [];
  out.entries = entries;
  charge(st, 40);
  const n = Math.min(size, st.limits.maxItems);
  const it = I.mapEntries(m);
  let i = 0;
  for (; i < n; i++) {
    if (st.stop !== RUNNING) break;
    const step = I.mapIterNext(it) as { done: boolean; value: [unknown, unknown] };
    if (step.done) break;
    const key = step.value[0];
    const value = step.value[1];
    const pii = st.pii;
    const keyPath = pii === undefined ? '' : `${path}.keys()[${i}]`;
    const shownKey = serialize(key, depth + 1, keyPath, st);
    const valuePath = pii === undefined ? '' : mapKeyPath(path, key, shownKey, i);
    let shownValue: unknown;
    if (pii !== undefined && typeof key === 'string' && pii.isSensitiveName(key)) {
      flag(st, SENSITIVE_NAME_FLAG, valuePath);
      shownValue = leaf(st, REDACTED_SENSITIVE_NAME);
    } else {
      shownValue = serialize(value, depth + 1, valuePath, st);
    }
    entries.push([shownKey, shownValue]);
    charge(st, 6);
  }
  if (i < n && st.stop !== RUNNING) {
    out[MORE_KEY] = stopMarker(st);
  } else if (size > i) {
    out[MORE_KEY] = `[${size - i} more entries]`;
    st.truncated = true;
    charge(st, 30);
  }
  return out;
}

function serializeSet(s: object, depth: number, path: string, st: State): unknown {
  const size = I.setSize(s) as number;
  const out: Record<string, unknown> = { '@type': 'Set', size };
  addSubclass(s, SetPrototype, out);
  const values: unknown[] = [];
  out.values = values;
  charge(st, 40);
  const n = Math.min(size, st.limits.maxItems);
  const it = I.setValues(s);
  let i = 0;
  for (; i < n; i++) {
    if (st.stop !== RUNNING) break;
    const step = I.setIterNext(it) as { done: boolean; value: unknown };
    if (step.done) break;
    values.push(serialize(step.value, depth + 1, st.pii === undefined ? '' : `${path}.values()[${i}]`, st));
    charge(st, 1);
  }
  if (i < n && st.stop !== RUNNING) {
    out[MORE_KEY] = stopMarker(st);
  } else if (size > i) {
    out[MORE_KEY] = `[${size - i} more values]`;
    st.truncated = true;
    charge(st, 30);
  }
  return out;
}

function addSubclass(o: object, intrinsicProto: object, out: Record<string, unknown>): void {
  if (getProto(o) === intrinsicProto) return;
  const cls = className(o);
  if (cls !== undefined) out['@class'] = cls;
}

const ERROR_OWN = new Set(['name', 'message', 'stack', 'cause', 'errors']);

function serializeError(e: object, depth: number, path: string, st: State): unknown {
  const out: Record<string, unknown> = { '@type': 'Error' };
  charge(st, 20);
  const name = readChainData(e, 'name');
  out.name = typeof name === 'string' ? serializeString(name, childPath(path, 'name'), st) : className(e) ?? 'Error';
  const message = readOwnData(e, 'message');
  out.message = typeof message.value === 'string' ? serializeString(message.value, childPath(path, 'message'), st) : '';
  // V8 formats `stack` lazily, on its first read: the formatter reads `name` and `message` through [[Get]], so an
  // accessor there would run. Then the stack is left out. (An app-installed Error.prepareStackTrace also runs on that
  // first read, as it would on the app's own.)
  if (!isAccessorInChain(e, 'name') && !isAccessorInChain(e, 'message')) {
    const stack = readOwnData(e, 'stack');
    if (typeof stack.value === 'string') out.stack = serializeString(stack.value, childPath(path, 'stack'), st);
  }
  const cause = readOwnData(e, 'cause');
  if (cause.found) out.cause = serialize(cause.value, depth + 1, childPath(path, 'cause'), st);
  const errors = readOwnData(e, 'errors');
  if (errors.found) out.errors = serialize(errors.value, depth + 1, childPath(path, 'errors'), st);
  serializeProps(e, out, depth, path, st, ERROR_OWN, false);
  return out;
}

interface KeyInfo {
  /** The key as shown: truncated, scrubbed. */
  shown: string;
  types: readonly string[];
  sensitive: boolean;
}

const NO_TYPES: readonly string[] = Object.freeze([]);
const KEY_CACHE_LIMIT = 2048;
/** Per scrubber: object keys repeat from capture to capture (they are names in the code, rarely data). */
const keyCaches = new WeakMap<PiiScrubber, Map<string, KeyInfo>>();

function keyInfo(key: string, pii: PiiScrubber | undefined): KeyInfo {
  const truncated = key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH)}…` : key;
  if (pii === undefined) return { shown: truncated, types: NO_TYPES, sensitive: false };
  let cache = keyCaches.get(pii);
  if (cache === undefined) {
    cache = new Map();
    keyCaches.set(pii, cache);
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const r = pii.scrubText(truncated);
  const info: KeyInfo = { shown: r.value, types: r.types.length > 0 ? r.types : NO_TYPES, sensitive: pii.isSensitiveName(key) };
  // Only clean keys are cached: a key that held PII (an e-mail used as a key) is not kept alive by the cache.
  if (key.length <= 128 && info.types.length === 0) {
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
    cache.set(key, info);
  }
  return info;
}

/** Output key for an object key (truncated, scrubbed, unique in `out`), the path of its value, and its sensitivity. */
function outputKey(key: string, path: string, out: Record<string, unknown>, st: State): { shown: string; path: string; sensitive: boolean } {
  const info = keyInfo(key, st.pii);
  let shown = info.shown;
  if (info.types.length > 0) flagAll(st, info.types, childPath(path, shown));
  if (shown !== key || shown === MORE_KEY || shown === '@type') {
    let unique = shown;
    for (let n = 2; hasOwnProperty.call(out, unique); n++) unique = `${shown} (${n})`;
    shown = unique;
  }
  return { shown, path: st.pii === undefined ? '' : childPath(path, shown), sensitive: info.sensitive };
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Own enumerable properties (string keys, then symbol keys) of a non-Proxy object, through their descriptors.
 * `topLevel`: the variables themselves — after a stop every remaining name still appears, with the stop marker.
 */
function serializeProps(
  o: object,
  out: Record<string, unknown>,
  depth: number,
  path: string,
  st: State,
  skip: ReadonlySet<string> | undefined,
  topLevel: boolean,
): void {
  const keys: Array<string | symbol> = objectKeys(o);
  for (const sym of ownSymbols(o)) {
    const d = getOwnDesc(o, sym);
    if (d !== undefined && d.enumerable === true) keys.push(sym);
  }
  const maxKeys = st.limits.maxKeys;
  let shownCount = 0;
  let i = 0;
  for (; i < keys.length; i++) {
    if (shownCount >= maxKeys) break;
    const key = keys[i] as string | symbol;
    if (typeof key === 'string' && skip !== undefined && skip.has(key)) continue;
    if (st.stop !== RUNNING && !topLevel) break;
    let value: unknown;
    let keyText: string;
    try {
      keyText = typeof key === 'string' ? key : `[${I.symbolToString(key) as string}]`;
    } catch {
      keyText = '[Symbol]';
    }
    const { shown, path: valuePath, sensitive } = outputKey(keyText, path, out, st);
    charge(st, shown.length + 4);
    shownCount++;
    try {
      if (sensitive && typeof key === 'string') {
        flag(st, SENSITIVE_NAME_FLAG, valuePath);
        value = leaf(st, REDACTED_SENSITIVE_NAME);
      } else if (st.stop !== RUNNING) {
        value = stopMarker(st);
      } else {
        const d = getOwnDesc(o, key);
        if (d === undefined) {
          shownCount--;
          continue;
        }
        value = 'value' in d ? serialize(d.value, depth + 1, valuePath, st) : leaf(st, accessorMarker(d));
      }
    } catch (e) {
      value = unserializable(e, st);
    }
    setOwn(out, shown, value);
  }
  if (i < keys.length) {
    let remaining = 0;
    for (let j = i; j < keys.length; j++) {
      const k = keys[j];
      if (!(typeof k === 'string' && skip !== undefined && skip.has(k))) remaining++;
    }
    if (remaining > 0) {
      if (st.stop !== RUNNING && shownCount < maxKeys) setOwn(out, MORE_KEY, stopMarker(st));
      else setOwn(out, MORE_KEY, `[${remaining} more keys]`);
      st.truncated = true;
      charge(st, 30);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------------------------

/** Objects whose own properties are the variables; anything else is captured as `{ value: … }`. */
function isVariablesRecord(v: unknown): v is object {
  if (v === null || typeof v !== 'object' || utilTypes.isProxy(v) || isArray(v)) return false;
  return !(
    utilTypes.isMap(v) ||
    utilTypes.isSet(v) ||
    utilTypes.isDate(v) ||
    utilTypes.isRegExp(v) ||
    utilTypes.isNativeError(v) ||
    utilTypes.isBoxedPrimitive(v) ||
    utilTypes.isArrayBufferView(v) ||
    utilTypes.isAnyArrayBuffer(v) ||
    utilTypes.isPromise(v) ||
    utilTypes.isWeakMap(v) ||
    utilTypes.isWeakSet(v)
  );
}

function jsonBytes(value: unknown): number {
  return I.byteLength(I.jsonStringify(value) ?? '');
}

const FALLBACK_KEYS = ['_truncated', '_reason', '_payload_bytes', '_max_payload_bytes'];

/** The `_truncated` marker form: variables kept in order while they fit, the others as `[omitted: N bytes]`. */
function payloadFallback(variables: Record<string, unknown>, bytes: number, max: number): Record<string, unknown> {
  const base: Record<string, unknown> = {
    _truncated: true,
    _reason: 'payload_limit',
    _payload_bytes: bytes,
    _max_payload_bytes: max,
  };
  const names = objectKeys(variables).filter((k) => !FALLBACK_KEYS.includes(k));
  const sizes = names.map((k) => jsonBytes({ [k]: variables[k] }) - 2);
  const markers = names.map((_k, i) => `[omitted: ${sizes[i] ?? 0} bytes]`);
  let used = jsonBytes(base);
  for (let i = 0; i < names.length; i++) used += jsonBytes({ [names[i] as string]: markers[i] }) - 1;
  const out: Record<string, unknown> = { ...base };
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const full = sizes[i] ?? Infinity;
    const marker = jsonBytes({ [name]: markers[i] }) - 2;
    if (used - marker + full <= max) {
      used = used - marker + full;
      setOwn(out, name, variables[name]);
    } else {
      setOwn(out, name, markers[i]);
    }
  }
  if (jsonBytes(out) > max) return base;
  return out;
}

export function serializeVariables(variables: unknown, options: SerializeOptions = {}): SerializeResult {
  let limits: SerializeLimits = DEFAULT_SERIALIZE_LIMITS;
  try {
    limits = resolveLimits(options?.limits);
    const now = typeof options?.now === 'function' ? options.now : () => performance.now();
    const cpuTime = typeof options?.cpuTime === 'function' ? options.cpuTime
      : typeof options?.now === 'function' ? undefined : processCpuMs;
    let start = 0;
    let cpuStart = 0;
    try {
      start = now();
      cpuStart = cpuTime === undefined ? 0 : cpuTime();
    } catch {
      start = 0;
    }
    const st: State = {
      limits,
      pii: options?.pii,
      now,
      start,
      cpuTime,
      cpuStart,
      softPayload: Math.floor(limits.maxPayloadBytes * 0.9),
      nodes: 0,
      size: 2,
      stop: RUNNING,
      truncated: false,
      ancestors: [],
      flags: [],
      flagKeys: new Set(),
    };
    let out: Record<string, unknown> = {};
    if (variables === null || variables === undefined) {
      // nothing captured
    } else if (isVariablesRecord(variables)) {
      st.ancestors.push(variables); // `vars.self = vars` is a cycle too
      serializeProps(variables, out, -1, '', st, undefined, true);
    } else {
      out.value = serialize(variables, 0, 'value', st);
    }
    let bytes = jsonBytes(out);
    if (bytes > limits.maxPayloadBytes) {
      out = payloadFallback(out, bytes, limits.maxPayloadBytes);
      st.truncated = true;
      bytes = jsonBytes(out);
    }
    return { variables: out, securityFlags: st.flags, truncated: st.truncated, bytes };
  } catch (e) {
    const out = { _truncated: true, _reason: `serializer_error: ${reasonOf(e)}` };
    return { variables: out, securityFlags: [], truncated: true, bytes: jsonBytes(out) };
  }
}

/**
 * Runs the serializer and the scrubber once over a sample of every kind of value, so that the first real capture
 * does not pay for lazy compilation (functions, regexes): cold, a first capture takes several milliseconds and
 * would run into the 2 ms budget. Meant to be called once when code monitoring starts (off the request path, e.g.
 * from an unref'd timer). Never throws.
 */
export function warmUpSerializer(pii?: PiiScrubber): void {
  try {
    const sample: Record<string, unknown> = {
      text: 'contact ada@example.com, card 4111 1111 1111 1111, ssn 123-45-6789 AKIAIOSFODNN7EXAMPLE',
      secrets: 'password=x api_key=abcdefghijklmnopqrstuv Bearer abcdefghijklmnopqrstuvwxyz sk_live_abcdefghijkl',
      more: 'aws_secret=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN eyJhbGciOi.eyJzdWIi.x -----BEGIN PRIVATE KEY-----',
      url: 'https://u:p@example.com/cb?token=1&email=a%40b.co#x=1',
      long: 'x'.repeat(DEFAULT_SERIALIZE_LIMITS.maxStringLength + 10),
      n: [1, 1.5, NaN, -0, Infinity, 4111111111111111, 12n, undefined, null, true, Symbol('s'), () => 1],
      nested: { a: { b: { c: { d: { e: { f: 1 } } } } }, token: 'x', list: [, 1] },
      map: new Map<unknown, unknown>([['authorization', 'x'], [1, { k: 'v' }]]),
      set: new Set(['a@b.co', 2]),
      date: new Date(0),
      bad: new Date(NaN),
      error: new Error('warm-up'),
      buffer: Buffer.from('password=hunter2'),
      typed: new Uint16Array(3),
      ab: new ArrayBuffer(2),
      re: /x/g,
      boxed: [Object(1), Object('s'), Object(true)],
      urlObject: new URL('https://example.com/?a=1'),
      params: new URLSearchParams('a=1'),
      promise: Promise.resolve(),
      instance: new (class Warm {
        x = 1;
      })(),
    };
    for (let i = 0; i < 3; i++) serializeVariables(sample, { pii, now: () => 0 });
  } catch {
    // best effort
  }
}
