/**
 * What a database span says about a SQL statement: the text with every literal value replaced by `?`, the
 * operation (its first keyword) and the collection (the first table it names, when that is plain).
 *
 * The text must never carry a value: mysql2 hands us the statement with the bound values already interpolated,
 * and apps build strings with literals in them. So one pass over the text replaces string literals (standard,
 * E'', N'', B'', X'', _charset'' introducers, PostgreSQL dollar quoting, MySQL double quotes), numbers and hex
 * literals with `?`, and drops comments (a comment can hold anything). Identifiers, quoted identifiers,
 * keywords, `?`, `$1` and `:name` placeholders are kept. An unterminated literal hides everything after it.
 *
 * Statements repeat (parameterized queries), so results are cached by text in a small map that is cleared when
 * full: interpolated statements, each one unique, can never grow it beyond its bound.
 */

export type SqlDialect = 'postgresql' | 'mysql';

export interface SqlSummary {
  /** The statement with literals replaced by `?` and comments removed. */
  readonly text: string;
  /** The first keyword, upper-cased (`SELECT`, `INSERT`, `BEGIN`); undefined for an empty statement. */
  readonly operation: string | undefined;
  /** The first table after FROM / INTO / UPDATE / TABLE when it is a plain (possibly qualified) name. */
  readonly collection: string | undefined;
}

const CACHE_LIMIT = 512;
// Longer statements are summarised every time: keeping them would hold megabytes for bulk inserts.
const CACHE_MAX_TEXT = 4096;
const caches: Record<SqlDialect, Map<string, SqlSummary>> = { postgresql: new Map(), mysql: new Map() };

export function summarizeSql(statement: string, dialect: SqlDialect): SqlSummary {
  const cache = caches[dialect];
  const cached = cache.get(statement);
  if (cached !== undefined) return cached;
  const text = sanitizeSql(statement, dialect);
  const operation = operationOf(text);
  const summary: SqlSummary = { text, operation, collection: collectionOf(text, operation) };
  if (statement.length <= CACHE_MAX_TEXT) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(statement, summary);
  }
  return summary;
}

const enum Ch {
  Tab = 9, Newline = 10, Return = 13, Space = 32, Quote = 34, Hash = 35, Dollar = 36, Apostrophe = 39,
  Star = 42, Plus = 43, Minus = 45, Dot = 46, Slash = 47, Zero = 48, Nine = 57, Backslash = 92, Backtick = 96,
  Underscore = 95, Ampersand = 38,
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

function isWordChar(c: number, dialect: SqlDialect): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === Ch.Underscore || c >= 128 ||
    (c === Ch.Dollar && dialect === 'postgresql');
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** The statement with every literal replaced by `?` and every comment removed. */
export function sanitizeSql(sql: string, dialect: SqlDialect): string {
  const n = sql.length;
  let out = '';
  let copied = 0; // sql[copied, i) still has to be appended to out
  let i = 0;
  const replace = (from: number, to: number, by: string): void => {
    out += sql.slice(copied, from) + by;
    copied = to;
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === Ch.Apostrophe) {
      const end = quotedEnd(sql, i, Ch.Apostrophe, dialect === 'mysql');
      replace(i, end, '?');
      i = end;
    } else if (c === Ch.Quote) {
      const end = quotedEnd(sql, i, Ch.Quote, dialect === 'mysql');
      // PostgreSQL: a quoted identifier, kept. MySQL: a string literal (unless ANSI_QUOTES, which is rare).
      if (dialect === 'mysql') replace(i, end, '?');
      i = end;
    } else if (c === Ch.Backtick) {
      i = quotedEnd(sql, i, Ch.Backtick, false);
    } else if ((c === Ch.Minus && sql.charCodeAt(i + 1) === Ch.Minus) || (c === Ch.Hash && dialect === 'mysql')) {
      let end = sql.indexOf('\n', i);
      if (end === -1) end = n;
      replace(i, end, ' ');
      i = end;
    } else if (c === Ch.Slash && sql.charCodeAt(i + 1) === Ch.Star) {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? n : close + 2;
      replace(i, end, ' ');
      i = end;
    } else if (c === Ch.Dollar && dialect === 'postgresql') {
      i = dollar(sql, i, replace);
    } else if (isDigit(c) || (c === Ch.Dot && isDigit(sql.charCodeAt(i + 1)))) {
      const end = numberEnd(sql, i);
      replace(i, end, '?');
      i = end;
    } else if (isWordChar(c, dialect)) {
      let end = i + 1;
      while (end < n && isWordChar(sql.charCodeAt(end), dialect)) end++;
      if (sql.charCodeAt(end) === Ch.Apostrophe && isLiteralPrefix(sql, i, end, dialect)) {
        // E'…' / N'…' / B'…' / X'…' / _utf8mb4'…': the prefix goes with the literal.
        const escapes = dialect === 'mysql' || (end - i === 1 && (c | 0x20) === 101);
        const stringStop = quotedEnd(sql, end, Ch.Apostrophe, escapes);
        replace(i, stringStop, '?');
        i = stringStop;
      } else if (dialect === 'postgresql' && end - i === 1 && (c | 0x20) === 117 && sql.charCodeAt(end) === Ch.Ampersand &&
        sql.charCodeAt(end + 1) === Ch.Apostrophe) {
        // U&'…' (a Unicode-escaped string).
        const stringStop = quotedEnd(sql, end + 1, Ch.Apostrophe, false);
        replace(i, stringStop, '?');
        i = stringStop;
      } else {
        i = end;
      }
    } else {
      i++;
    }
  }
  return copied === 0 ? sql.trim() : (out + sql.slice(copied)).trim();
}

function isLiteralPrefix(sql: string, start: number, end: number, dialect: SqlDialect): boolean {
  if (sql.charCodeAt(start) === Ch.Underscore) return dialect === 'mysql';
  if (end - start !== 1) return false;
  const lower = sql.charCodeAt(start) | 0x20;
  // e (PostgreSQL escape string), n (national), b (bit), x (hex).
  return lower === 110 || lower === 98 || lower === 120 || (lower === 101 && dialect === 'postgresql');
}

/** The index after a '…', "…" or `…` quoted part; the quote doubled is an escaped quote, `\'` only with escapes. */
function quotedEnd(sql: string, start: number, quote: number, backslashEscapes: boolean): number {
  const n = sql.length;
  let i = start + 1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === Ch.Backslash && backslashEscapes) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return n;
}

/** PostgreSQL `$`: a `$1` placeholder (kept) or a dollar-quoted string `$tag$…$tag$` (replaced). */
function dollar(sql: string, start: number, replace: (from: number, to: number, by: string) => void): number {
  const n = sql.length;
  let i = start + 1;
  if (isDigit(sql.charCodeAt(i))) {
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
    return i;
  }
  while (i < n && isWordChar(sql.charCodeAt(i), 'mysql')) i++;
  if (sql.charCodeAt(i) !== Ch.Dollar) return start + 1;
  const tag = sql.slice(start, i + 1);
  const close = sql.indexOf(tag, i + 1);
  const end = close === -1 ? n : close + tag.length;
  replace(start, end, '?');
  return end;
}

/** The index after a number: 12, 1.5, .5, 1e-3, 0x1F. */
function numberEnd(sql: string, start: number): number {
  const n = sql.length;
  let i = start;
  if (sql.charCodeAt(i) === Ch.Zero && (sql.charCodeAt(i + 1) | 0x20) === 120 && isHexDigit(sql.charCodeAt(i + 2))) {
    i += 2;
    while (i < n && isHexDigit(sql.charCodeAt(i))) i++;
    return i;
  }
  while (i < n && isDigit(sql.charCodeAt(i))) i++;
  if (sql.charCodeAt(i) === Ch.Dot) {
    i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
  }
  if ((sql.charCodeAt(i) | 0x20) === 101) {
    let j = i + 1;
    const sign = sql.charCodeAt(j);
    if (sign === Ch.Plus || sign === Ch.Minus) j++;
    if (isDigit(sql.charCodeAt(j))) {
      i = j;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
    }
  }
  return i;
}

const FIRST_WORD = /^[\s(]*([A-Za-z]+)/;

function operationOf(text: string): string | undefined {
  const match = FIRST_WORD.exec(text);
  return match === null ? undefined : match[1]!.toUpperCase();
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][\w$]*)`;
const TARGET: Record<string, RegExp> = {
  SELECT: new RegExp(String.raw`\bFROM\s+(${NAME}(?:\.${NAME}){0,2})(?![\w$.]|\s*[,(])`, 'i'),
  DELETE: new RegExp(String.raw`\bFROM\s+(${NAME}(?:\.${NAME}){0,2})`, 'i'),
  INSERT: new RegExp(String.raw`\bINTO\s+(${NAME}(?:\.${NAME}){0,2})`, 'i'),
  REPLACE: new RegExp(String.raw`\bINTO\s+(${NAME}(?:\.${NAME}){0,2})`, 'i'),
  UPDATE: new RegExp(String.raw`^\s*UPDATE\s+(?:ONLY\s+)?(${NAME}(?:\.${NAME}){0,2})`, 'i'),
  CREATE: new RegExp(String.raw`\bTABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${NAME}(?:\.${NAME}){0,2})`, 'i'),
  DROP: new RegExp(String.raw`\bTABLE\s+(?:IF\s+EXISTS\s+)?(${NAME}(?:\.${NAME}){0,2})`, 'i'),
  TRUNCATE: new RegExp(String.raw`^\s*TRUNCATE\s+(?:TABLE\s+)?(${NAME}(?:\.${NAME}){0,2})`, 'i'),
};
const JOINED = /\bJOIN\b/i;

/** The table a simple statement is about; undefined when it reads several (a join, a list) or a subquery. */
function collectionOf(text: string, operation: string | undefined): string | undefined {
  if (operation === undefined) return undefined;
  const pattern = TARGET[operation];
  if (pattern === undefined) return undefined;
  if (operation === 'SELECT' && JOINED.test(text)) return undefined;
  const match = pattern.exec(text);
  const name = match?.[1];
  // Keywords that look like names where a subquery or function stands.
  if (name === undefined || /^(?:SELECT|LATERAL|ONLY)$/i.test(name)) return undefined;
  return name;
}
