/**
 * OTEL_EXPORTER_OTLP_*_HEADERS and the API key, which travels as one of those headers. Header values are
 * usually credentials, so no message here ever echoes one.
 */
import { isValidHeaderName, isValidHeaderValue, parseKeyValueList } from './parse.js';

/** Far above any real credential; a longer value would make every request fail with 431 or be cut by proxies. */
export const MAX_HEADER_VALUE_LENGTH = 8192;

/** Lower-cased name → [name as written, value]. */
export type HeaderList = Map<string, [name: string, value: string]>;

export function parseHeaders(variable: string, raw: string | undefined, warn: (message: string) => void): HeaderList {
  const out: HeaderList = new Map();
  if (raw === undefined) return out;
  const list = parseKeyValueList(raw, { percentDecode: true, splitAtFirstEquals: true, allowEmptyValue: true });
  for (const bad of list.invalid) warn(`${variable} entry #${bad.index + 1} is invalid (${bad.reason}); skipping it`);
  for (const [name, value, index] of list.entries) {
    // http.request throws on these at send time; better one warning now than a failed export per batch.
    if (!isValidHeaderName(name) || !isValidHeaderValue(value)) {
      warn(`${variable} entry #${index + 1} is not a valid HTTP header name and value; skipping it`);
      continue;
    }
    if (value.length > MAX_HEADER_VALUE_LENGTH) {
      warn(`${variable} entry #${index + 1} has a value longer than ${MAX_HEADER_VALUE_LENGTH} characters; skipping it`);
      continue;
    }
    out.set(name.toLowerCase(), [name, value]);
  }
  return out;
}

export function headerValue(list: HeaderList, name: string): string | undefined {
  const v = list.get(name.toLowerCase())?.[1].trim();
  return v === '' ? undefined : v;
}

/**
 * Generic headers, overridden by the signal-specific ones (OTel spec), then `X-API-Key`: whatever key the
 * env headers carried was already taken into account when the key was chosen, so one header remains.
 */
export function mergeHeaders(generic: HeaderList, specific: HeaderList, apiKey: string | undefined): Record<string, string> {
  const merged = new Map([...generic, ...specific]);
  merged.delete('x-api-key');
  const out: Record<string, string> = {};
  for (const [name, value] of merged.values()) out[name] = value;
  if (apiKey !== undefined) out['X-API-Key'] = apiKey;
  return out;
}

/** Keys are printable ASCII; anything else (a pasted line break) would make every request throw in http.request. */
export function isUsableApiKey(key: string): boolean {
  return /^[\x21-\x7e]+$/.test(key);
}

/** `ctxio_****`; the prefix is kept only while it is short next to the key, so it cannot give most of it away. */
export function maskApiKey(key: string): string {
  const prefixLength = key.indexOf('_') + 1;
  if (prefixLength > 0 && prefixLength <= 16 && prefixLength <= key.length / 2) return `${key.slice(0, prefixLength)}****`;
  return '****';
}
