/**
 * Value parsers for environment variables. Each returns `undefined` for a value it cannot accept; the caller
 * turns that into one warning naming the variable and the default, so no parser logs or throws.
 */

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function parseBoolean(value: string): boolean | undefined {
  const word = value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Plain decimal only: `Number()` would also accept `0x1`, `1e-1`, `Infinity` and `''`. */
const DECIMAL = /^\+?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** A sampling ratio in [0, 1]; `50%`, `-1`, `2` and `abc` are refused. */
export function parseRatio(value: string): number | undefined {
  if (!DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return n >= 0 && n <= 1 ? n : undefined;
}

/**
 * Node turns any timer delay above 2^31-1 ms into 1 ms (with a TimeoutOverflowWarning), so a huge
 * `OTEL_BSP_SCHEDULE_DELAY` would make the exporter spin instead of wait.
 */
export const MAX_TIMER_MS = 2_147_483_647;

export function parsePositiveInteger(value: string, max: number = MAX_TIMER_MS): number | undefined {
  if (!/^\+?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= max ? n : undefined;
}

/** Comma-separated list: entries trimmed, empty ones (`a,,b`, a trailing comma) dropped silently. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const entry = part.trim();
    if (entry !== '') out.push(entry);
  }
  return out;
}

function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export interface KeyValueList {
  /** `index` is the entry's position (0-based) among the non-empty entries, for messages. */
  entries: Array<[key: string, value: string, index: number]>;
  invalid: Array<{ index: number; entry: string; reason: string }>;
}

export interface KeyValueOptions {
  /** OTel format: keys and values are percent-decoded (`%2C` → `,`). */
  percentDecode: boolean;
  /**
   * `true`: only the first `=` separates (header values such as `Basic dXNlcjpwdw==` keep theirs).
   * `false`: a second `=` makes the entry invalid, as the OTel resource spec requires `=` to be encoded.
   */
  splitAtFirstEquals: boolean;
  allowEmptyValue: boolean;
}

/** `k=v,k2=v2` as used by OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS and the service-name mappings. */
export function parseKeyValueList(value: string, options: KeyValueOptions): KeyValueList {
  const result: KeyValueList = { entries: [], invalid: [] };
  splitList(value).forEach((entry, index) => {
    const eq = entry.indexOf('=');
    if (eq === -1) {
      result.invalid.push({ index, entry, reason: 'expected key=value' });
      return;
    }
    if (!options.splitAtFirstEquals && entry.indexOf('=', eq + 1) !== -1) {
      result.invalid.push({ index, entry, reason: "'=' inside a key or value must be written %3D" });
      return;
    }
    let key: string | undefined = entry.slice(0, eq).trim();
    let val: string | undefined = entry.slice(eq + 1).trim();
    if (options.percentDecode) {
      key = percentDecode(key);
      val = percentDecode(val);
      if (key === undefined || val === undefined) {
        result.invalid.push({ index, entry, reason: 'malformed percent-encoding' });
        return;
      }
    }
    if (key === '' || (val === '' && !options.allowEmptyValue)) {
      result.invalid.push({ index, entry, reason: val === '' && key !== '' ? 'empty value' : 'empty key' });
      return;
    }
    result.entries.push([key, val, index]);
  });
  return result;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What `http.request` accepts in a header value; anything else (CR, LF, NUL) makes it throw at send time. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function isValidHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

export function isValidHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}

/**
 * A value quoted for a warning line: JSON escaping keeps a newline in the value from forging a second log
 * line, and long values are cut.
 */
export function quote(value: string, max = 120): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** Reads boolean variables: unset gives the fallback, a bad value one warning and the fallback. */
export function booleanReader(
  get: (name: string) => string | undefined,
  warn: (message: string) => void,
  show: (value: string) => string,
): (name: string, fallback: boolean) => boolean {
  return (name, fallback) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const parsed = parseBoolean(raw);
    if (parsed === undefined) {
      warn(`${name}=${show(raw)} is not a boolean (true/false, 1/0, yes/no, on/off); using ${fallback}`);
      return fallback;
    }
    return parsed;
  };
}
