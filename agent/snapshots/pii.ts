/**
 * PII scrubbing for code-monitoring snapshots, at every depth. Pure and synchronous: no I/O, no globals touched.
 *
 * Two rules:
 * - **Sensitive names.** A key (object key, Map key, query parameter, header name) matches when one of
 *   `password passwd pwd secret token key credential api_key apikey` (plus `TRACEKIT_PII_EXTRA_NAMES`) stands between
 *   non-letters or the ends of the name, case-insensitively. A change from a lower-case to an upper-case letter
 *   (`accessToken`) and the end of an upper-case run (`APIKey`) count as boundaries too, so camelCase behaves like
 *   snake_case: `api_key`, `user_token`, `db_password`, `X-Api-Key`, `accessToken` match; `monkey`, `keyboard`,
 *   `tokenizer` do not. The header names `authorization`, `proxy-authorization`, `cookie` and `set-cookie` match as
 *   whole names as well, since their values are credentials that no value pattern recognises (`Basic …`, sessions).
 *   The value of a matching key becomes `[REDACTED:sensitive_name]`; its flag type is `sensitive_variable_name`.
 * - **Sensitive values.** Every string goes through the value patterns; each match becomes `[REDACTED:<type>]`.
 *   For assignments (`password=…`, `api_key: …`, `Bearer …`, `aws_secret_access_key=…`) only the value is replaced,
 *   the name stays readable. There is no phone pattern (it redacts every epoch timestamp).
 *
 * Every pattern runs in linear time on V8's backtracking engine: each one starts either with a literal or with a
 * look-behind that only lets an attempt begin at the start of a run of its characters, and every quantifier that
 * can fail after a long run is bounded or followed by a character its run cannot contain. A cheap pre-check
 * (one small regex, then a substring test per pattern) keeps the common string, which has no trigger at all, to a
 * single scan.
 */

/** The value of a key whose name is sensitive. */
export const REDACTED_SENSITIVE_NAME = '[REDACTED:sensitive_name]';
/** Flag type for a sensitive name (severity `medium`); every value type has severity `high`. */
export const SENSITIVE_NAME_FLAG = 'sensitive_variable_name';

export const PII_VALUE_TYPES = [
  'email',
  'ssn',
  'credit_card',
  'aws_key',
  'aws_secret',
  'oauth_token',
  'stripe_key',
  'password',
  'jwt',
  'private_key',
  'api_key',
] as const;
export type PiiValueType = (typeof PII_VALUE_TYPES)[number];

/** `types`: the distinct flag types of what was redacted, in the order found (empty when nothing was). */
export interface ScrubResult {
  value: string;
  types: string[];
}

export interface PiiScrubberOptions {
  /** Extra sensitive names (from `TRACEKIT_PII_EXTRA_NAMES`); matched with the same boundary rule, case-insensitive. */
  extraNames?: readonly string[];
}

export type HeaderInput = Readonly<Record<string, unknown>>;
export type ScrubbedHeaderValue = string | string[] | number | boolean;

export interface ScrubbedHeaders {
  headers: Record<string, ScrubbedHeaderValue>;
  /** Distinct flag types over all headers. */
  types: string[];
  /** One entry per (header, type) redacted; `header` is the name as given. */
  findings: Array<{ header: string; type: string }>;
}

const BASE_NAMES: readonly string[] = ['password', 'passwd', 'pwd', 'secret', 'token', 'key', 'credential', 'api_key', 'apikey'];
const WHOLE_NAMES: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const NAME_CACHE_LIMIT = 4096;
const NAME_CACHE_MAX_KEY = 256;
const MAX_NAME_SCAN = 4096;

export function redactedMarker(type: string): string {
  return `[REDACTED:${type}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// Value patterns
// ---------------------------------------------------------------------------------------------------------------

interface ValuePattern {
  type: PiiValueType;
  re: RegExp;
  /** Cheap test on the string (and its lazily lower-cased copy) before the regex runs. */
  trigger: (s: string, lower: () => string) => boolean;
  /** When set, group 1 is a prefix kept as written and group 2.. the value (see `replaceValue`). */
  assignment?: boolean;
}

const NOT_REDACTED = '(?!\\[REDACTED:)';

/**
 * Order matters: the more specific patterns run first, and later ones never re-redact a marker (their value classes
 * exclude `[`, or they carry a `(?!\[REDACTED:)` guard).
 */
const PATTERNS: readonly ValuePattern[] = [
  {
    // PEM block; an unterminated one (cut by truncation) is redacted to the end of the string.
    type: 'private_key',
    re: /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|$)/g,
    trigger: (s) => s.includes('-----BEGIN '),
  },
  {
    // header.payload[.signature]; the signature may be missing or cut.
    type: 'jwt',
    re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g,
    trigger: (s) => s.includes('eyJ'),
  },
  {
    // "aws … secret … = <40 chars>": the keyword pair within 20 characters, then the 40-character secret.
    type: 'aws_secret',
    re: /((?<![A-Za-z])aws[A-Za-z0-9_ .-]{0,20}?secret[A-Za-z0-9_ .-]{0,20}?["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    trigger: (_s, lower) => lower().includes('aws') && lower().includes('secret'),
    assignment: true,
  },
  {
    type: 'aws_key',
    re: /(?<![A-Z0-9])AKIA[A-Z0-9]{16}(?![A-Z0-9])/g,
    trigger: (s) => s.includes('AKIA'),
  },
  {
    type: 'stripe_key',
    re: /sk_live_[A-Za-z0-9]{10,}/g,
    trigger: (s) => s.includes('sk_live_'),
  },
  {
    type: 'oauth_token',
    re: new RegExp(`(\\bBearer[ \\t]{1,8})${NOT_REDACTED}([A-Za-z0-9\\-._~+/]{20,}=*)`, 'gi'),
    trigger: (_s, lower) => lower().includes('bearer'),
    assignment: true,
  },
  {
    type: 'api_key',
    re: /(api[_-]?key["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)([A-Za-z0-9_\-.~+/=]{20,})/gi,
    trigger: (_s, lower) => lower().includes('api') && lower().includes('key'),
    assignment: true,
  },
  {
    // password=…, pwd: "…", "passwd": '…' — a quoted value may contain spaces; an unquoted one ends at a
    // space, quote, `&`, `;` or `,`.
    type: 'password',
    re: new RegExp(
      `((?:password|passwd|pwd)["']?[ \\t]{0,8}[:=][ \\t]{0,8})${NOT_REDACTED}("[^"\\r\\n]+"|'[^'\\r\\n]+'|["']?[^\\s"'&;,]+)`,
      'gi',
    ),
    trigger: (_s, lower) => lower().includes('pass') || lower().includes('pwd'),
    assignment: true,
  },
  {
    // 16 digits, optionally grouped by 4 with '-' or ' '; not part of a longer digit run.
    type: 'credit_card',
    re: /(?<!\d)\d{4}(?:[ -]?\d{4}){3}(?!\d)/g,
    trigger: (s) => DIGITS_4.test(s),
  },
  {
    type: 'ssn',
    re: /(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)/g,
    trigger: (s) => SSN_HINT.test(s),
  },
  {
    type: 'email',
    re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
    trigger: (s) => s.includes('@'),
  },
];

const DIGITS_4 = /\d{4}/;
const SSN_HINT = /\d-\d/;
/** Any character or word that one of the patterns needs. A string without one of these cannot match anything. */
const TRIGGER = /@|\d\d\d|-----|eyJ|AKIA|aws|sk_live_|bearer|api|pass|pwd/i;
/** No pattern can match fewer characters than this (`a@b.co`). */
const MIN_MATCH_LENGTH = 6;

function replaceValue(type: string, prefix: string, value: string): string {
  const marker = redactedMarker(type);
  const q = value.charCodeAt(0);
  // Keep a matched pair of quotes around the marker: password="[REDACTED:password]".
  if ((q === 34 || q === 39) && value.length >= 2 && value.charCodeAt(value.length - 1) === q) {
    return `${prefix}${value[0]}${marker}${value[0]}`;
  }
  return prefix + marker;
}

function pushType(types: string[], type: string): void {
  if (!types.includes(type)) types.push(type);
}

// ---------------------------------------------------------------------------------------------------------------
// URL parts
// ---------------------------------------------------------------------------------------------------------------

/** `scheme://userinfo@` anywhere in a text; the class stops at the authority's end, so `/a@b` in a path is not it. */
const USERINFO = /(:\/\/)([^\s/?#@]+)@/g;
/** `?name=value`, `&name=value`, `#name=value` anywhere in a text (query strings and OAuth-style fragments). */
const QUERY_PAIR = /([?&#])([^=&#?\s]{1,128})=([^&#?\s]*)/g;

function safeDecode(part: string): string {
  if (!part.includes('%') && !part.includes('+')) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The scrubber
// ---------------------------------------------------------------------------------------------------------------

export class PiiScrubber {
  private readonly names: readonly string[];
  private readonly nameCache = new Map<string, boolean>();

  constructor(options: PiiScrubberOptions = {}) {
    const names = [...BASE_NAMES];
    for (const raw of options.extraNames ?? []) {
      if (typeof raw !== 'string') continue;
      const name = raw.trim().toLowerCase();
      if (name !== '' && !names.includes(name)) names.push(name);
    }
    this.names = names;
  }

  /** The sensitive-name list in effect (base names, then the extra ones), lower-cased. */
  get sensitiveNames(): readonly string[] {
    return this.names;
  }

  isSensitiveName(name: string): boolean {
    if (typeof name !== 'string' || name === '') return false;
    const cached = this.nameCache.get(name);
    if (cached !== undefined) return cached;
    let result = false;
    try {
      result = this.computeSensitive(name);
    } catch {
      result = false;
    }
    if (name.length <= NAME_CACHE_MAX_KEY) {
      if (this.nameCache.size >= NAME_CACHE_LIMIT) this.nameCache.clear();
      this.nameCache.set(name, result);
    }
    return result;
  }

  private computeSensitive(full: string): boolean {
    // A name longer than this is judged by its start (no multi-megabyte lower-case copy of a pathological key).
    const name = full.length > MAX_NAME_SCAN ? full.slice(0, MAX_NAME_SCAN) : full;
    const lower = name.toLowerCase();
    if (WHOLE_NAMES.has(lower)) return true;
    // Some characters change length when lower-cased (İ); then the case-change boundaries cannot be located.
    const camel = lower.length === name.length;
    for (const n of this.names) {
      let i = lower.indexOf(n);
      while (i !== -1) {
        const end = i + n.length;
        if (boundaryAt(name, lower, i, camel) && boundaryAt(name, lower, end, camel)) return true;
        i = lower.indexOf(n, i + 1);
      }
    }
    return false;
  }

  /** The value patterns only (email, ssn, credit_card, …). Returns the same string when nothing matched. */
  scrubString(value: string): ScrubResult {
    if (typeof value !== 'string' || value.length < MIN_MATCH_LENGTH || !TRIGGER.test(value)) {
      return { value, types: [] };
    }
    const types: string[] = [];
    let s = value;
    let lowerCopy: string | undefined;
    const lower = (): string => (lowerCopy ??= s.toLowerCase());
    for (const p of PATTERNS) {
      if (!p.trigger(s, lower)) continue;
      p.re.lastIndex = 0;
      let hit = false;
      const next = p.assignment
        ? s.replace(p.re, (_m: string, prefix: string, v: string) => {
            hit = true;
            return replaceValue(p.type, prefix, v);
          })
        : s.replace(p.re, () => {
            hit = true;
            return redactedMarker(p.type);
          });
      if (hit) {
        pushType(types, p.type);
        s = next;
        lowerCopy = undefined;
      }
    }
    return { value: s, types };
  }

  /**
   * Userinfo and query/fragment rules, then the value patterns, applied to any text: a URL (absolute, or a
   * request path like `/cb?token=…`) or free text that contains one. `scheme://user:pass@` becomes
   * `scheme://[REDACTED:password]@` (type `password`; the whole userinfo, since tokens often travel as the user
   * name); `?name=value` with a sensitive name gets `[REDACTED:sensitive_name]` (type `sensitive_variable_name`);
   * other parameter values are percent-decoded before the value patterns look at them.
   */
  scrubText(value: string): ScrubResult {
    if (typeof value !== 'string' || value.length < 4) return { value, types: [] };
    let s = value;
    const types: string[] = [];
    if (s.includes('://') && s.includes('@')) {
      let hit = false;
      USERINFO.lastIndex = 0;
      s = s.replace(USERINFO, (_m: string, sep: string) => {
        hit = true;
        return `${sep}${redactedMarker('password')}@`;
      });
      if (hit) pushType(types, 'password');
    }
    if (s.includes('=') && (s.includes('?') || s.includes('&') || s.includes('#'))) {
      QUERY_PAIR.lastIndex = 0;
      s = s.replace(QUERY_PAIR, (m: string, sep: string, name: string, v: string) => {
        if (v === '' || v.startsWith('[REDACTED:')) return m;
        if (this.isSensitiveName(safeDecode(name))) {
          pushType(types, SENSITIVE_NAME_FLAG);
          return `${sep}${name}=${REDACTED_SENSITIVE_NAME}`;
        }
        if (v.includes('%') || v.includes('+')) {
          // An encoded value (john%40example.com) is checked decoded; if anything is redacted, it stays decoded.
          const decoded = safeDecode(v);
          if (decoded !== v) {
            const r = this.scrubString(decoded);
            if (r.types.length > 0) {
              for (const t of r.types) pushType(types, t);
              return `${sep}${name}=${r.value}`;
            }
          }
        }
        return m;
      });
    }
    const r = this.scrubString(s);
    for (const t of r.types) pushType(types, t);
    return { value: r.value, types };
  }

  /** `scrubText` for a URL, returning the string only. */
  scrubUrl(url: string): string {
    return this.scrubText(url).value;
  }

  /**
   * Header values: a sensitive header name (`authorization`, `cookie`, `x-api-key`, …) gets
   * `[REDACTED:sensitive_name]`; any other value goes through `scrubText` (a `referer` carries a URL). Array values
   * are scrubbed item by item, numbers and booleans kept, `undefined` dropped, anything else becomes `[object]`.
   */
  scrubHeaders(headers: HeaderInput): ScrubbedHeaders {
    const out: Record<string, ScrubbedHeaderValue> = {};
    const types: string[] = [];
    const findings: Array<{ header: string; type: string }> = [];
    if (headers === null || typeof headers !== 'object') return { headers: out, types, findings };
    const note = (header: string, found: readonly string[]): void => {
      for (const t of found) {
        pushType(types, t);
        if (!findings.some((f) => f.header === header && f.type === t)) findings.push({ header, type: t });
      }
    };
    for (const name of Object.keys(headers)) {
      const d = Object.getOwnPropertyDescriptor(headers, name);
      if (d === undefined || !('value' in d)) continue;
      const value: unknown = d.value;
      if (value === undefined) continue;
      let clean: ScrubbedHeaderValue;
      if (this.isSensitiveName(name)) {
        clean = REDACTED_SENSITIVE_NAME;
        note(name, [SENSITIVE_NAME_FLAG]);
      } else if (typeof value === 'string') {
        const r = this.scrubText(value);
        clean = r.value;
        note(name, r.types);
      } else if (Array.isArray(value)) {
        const items: string[] = [];
        for (const item of value as unknown[]) {
          const r = this.scrubText(typeof item === 'string' ? item : typeof item === 'number' ? String(item) : '[object]');
          items.push(r.value);
          note(name, r.types);
        }
        clean = items;
      } else if (typeof value === 'number' || typeof value === 'boolean') {
        clean = value;
      } else {
        clean = '[object]';
      }
      setOwn(out, name, clean);
    }
    return { headers: out, types, findings };
  }
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isLetterCode(c: number): boolean {
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER.test(String.fromCharCode(c));
}
const LETTER = /\p{L}/u;

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/**
 * Whether position `p` (between `name[p-1]` and `name[p]`) is a word boundary: an end, a non-letter on either side,
 * or (when `camel`) a lower→upper change (`accessToken`) or the last capital of an upper-case run before a
 * lower-case letter (`APIKey`: between `I` and `K`).
 */
function boundaryAt(name: string, lower: string, p: number, camel: boolean): boolean {
  if (p === 0 || p >= lower.length) return true;
  if (!isLetterCode(lower.charCodeAt(p - 1)) || !isLetterCode(lower.charCodeAt(p))) return true;
  if (!camel) return false;
  const a = name.charCodeAt(p - 1);
  const b = name.charCodeAt(p);
  if (isLower(a) && isUpper(b)) return true;
  return isUpper(a) && isUpper(b) && p + 1 < name.length && isLower(name.charCodeAt(p + 1));
}
