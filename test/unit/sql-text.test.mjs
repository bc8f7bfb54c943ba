// The SQL summary database spans carry (agent/instrument/sql-text.ts): no literal value may survive in the text,
// while identifiers, keywords and placeholders stay as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeSql, summarizeSql } from '../../agent/instrument/sql-text.ts';

const pg = (sql) => sanitizeSql(sql, 'postgresql');
const my = (sql) => sanitizeSql(sql, 'mysql');

test('numbers and strings become ?, placeholders stay', () => {
  assert.equal(pg("SELECT * FROM users WHERE id = 42 AND name = 'bob'"), 'SELECT * FROM users WHERE id = ? AND name = ?');
  assert.equal(pg('SELECT * FROM t WHERE a = $1 AND b = $12'), 'SELECT * FROM t WHERE a = $1 AND b = $12');
  assert.equal(my('SELECT * FROM t WHERE a = ? AND b = :name'), 'SELECT * FROM t WHERE a = ? AND b = :name');
  assert.equal(pg('SELECT 1.5, .5, 1e-3, 2E+10, 0x1F, -7'), 'SELECT ?, ?, ?, ?, ?, -?');
  assert.equal(pg('SELECT price::numeric(10,2) FROM t1 LIMIT 10 OFFSET 20'), 'SELECT price::numeric(?,?) FROM t1 LIMIT ? OFFSET ?');
});

test('digits inside identifiers are not numbers', () => {
  assert.equal(pg('SELECT col_2, t1.x3 FROM table9'), 'SELECT col_2, t1.x3 FROM table9');
  assert.equal(pg('SELECT foo$1 FROM t'), 'SELECT foo$1 FROM t');
});

test('escaped quotes cannot end a literal early', () => {
  assert.equal(pg("SELECT 'it''s secret' AS x"), 'SELECT ? AS x');
  assert.equal(my("SELECT 'it\\'s secret', 'a\\\\' AS x"), 'SELECT ?, ? AS x');
  // In standard PostgreSQL strings a backslash is an ordinary character; in E'' strings it escapes.
  assert.equal(pg("SELECT 'C:\\' AS path, 1"), 'SELECT ? AS path, ?');
  assert.equal(pg("SELECT E'it\\'s secret' AS x"), 'SELECT ? AS x');
});

test('prefixed literals take their prefix with them', () => {
  assert.equal(pg("SELECT N'x', B'0101', X'FF', U&'d\\0061t'"), 'SELECT ?, ?, ?, ?');
  assert.equal(my("SELECT _utf8mb4'secret' COLLATE utf8mb4_bin, X'ff'"), 'SELECT ? COLLATE utf8mb4_bin, ?');
});

test('PostgreSQL dollar quoting is a literal', () => {
  assert.equal(pg('SELECT $$secret text$$, $tag$more $$ secret$tag$, $1'), 'SELECT ?, ?, $1');
});

test('double quotes: identifiers in PostgreSQL, strings in MySQL; backticks are identifiers', () => {
  assert.equal(pg('SELECT "Name" FROM "Users" WHERE "id" = 3'), 'SELECT "Name" FROM "Users" WHERE "id" = ?');
  assert.equal(my('SELECT `name` FROM `users` WHERE note = "secret \\" quote"'), 'SELECT `name` FROM `users` WHERE note = ?');
});

test('comments are removed, whatever they hold', () => {
  assert.equal(pg("SELECT 1 -- user 'bob' pw 123\nFROM t /* secret 42 */ WHERE a = 'x'"), 'SELECT ?  \nFROM t   WHERE a = ?');
  assert.equal(my('SELECT a # secret 99\nFROM t'), 'SELECT a  \nFROM t');
});

test('an unterminated literal hides the rest of the statement', () => {
  assert.equal(pg("SELECT 'secret and more 42"), 'SELECT ?');
  assert.equal(pg('SELECT $x$never closed 7'), 'SELECT ?');
  assert.equal(pg('SELECT 1 /* never closed 42'), 'SELECT ?');
});

test('a statement without literals is returned as it is (trimmed)', () => {
  assert.equal(pg('  BEGIN  '), 'BEGIN');
  assert.equal(pg(''), '');
});

test('operation and collection', () => {
  const cases = [
    ['SELECT * FROM users WHERE id = $1', 'SELECT', 'users'],
    ['select name from public.users where id = 1', 'SELECT', 'public.users'],
    ['SELECT * FROM "Order Items" LIMIT 1', 'SELECT', '"Order Items"'],
    ['SELECT * FROM a JOIN b ON a.id = b.id', 'SELECT', undefined],
    ['SELECT * FROM a, b', 'SELECT', undefined],
    ['SELECT * FROM (SELECT 1) AS s', 'SELECT', undefined],
    ['SELECT * FROM generate_series(1, 3)', 'SELECT', undefined],
    ['SELECT 1', 'SELECT', undefined],
    ['INSERT INTO items (name, qty) VALUES ($1, $2)', 'INSERT', 'items'],
    ['UPDATE accounts SET balance = balance - 10 WHERE id = 1', 'UPDATE', 'accounts'],
    ['DELETE FROM sessions WHERE expires < now()', 'DELETE', 'sessions'],
    ['CREATE TABLE IF NOT EXISTS items (id serial)', 'CREATE', 'items'],
    ['DROP TABLE IF EXISTS items', 'DROP', 'items'],
    ['TRUNCATE TABLE items', 'TRUNCATE', 'items'],
    ['(SELECT 1)', 'SELECT', undefined],
    ['begin', 'BEGIN', undefined],
    ['COMMIT', 'COMMIT', undefined],
    ['', undefined, undefined],
  ];
  for (const [sql, operation, collection] of cases) {
    const summary = summarizeSql(sql, 'postgresql');
    assert.equal(summary.operation, operation, sql);
    assert.equal(summary.collection, collection, sql);
  }
  assert.equal(summarizeSql('INSERT INTO `items` VALUES (1)', 'mysql').collection, '`items`');
});

test('summaries are cached by text, and the cache stays bounded', () => {
  const a = summarizeSql('SELECT * FROM cached WHERE id = 1', 'postgresql');
  assert.equal(summarizeSql('SELECT * FROM cached WHERE id = 1', 'postgresql'), a);
  for (let i = 0; i < 2000; i++) summarizeSql(`SELECT ${i}`, 'mysql');
  assert.equal(summarizeSql('SELECT 12345', 'mysql').text, 'SELECT ?');
});

test('no digit or quoted word of a random statement survives', () => {
  // Generated statements with secrets in every literal form; nothing of the secrets may remain.
  const forms = [(s) => `'${s}'`, (s) => `E'${s}\\''`, (s) => `$q$${s}$q$`, (s) => `${s.length}${s.length}`, (s) => `X'${s.length}f'`];
  for (let i = 0; i < 200; i++) {
    const secret = `secret${i}x`;
    const parts = forms.map((f, k) => `c${k} = ${f(secret)}`);
    const out = pg(`SELECT * FROM t WHERE ${parts.join(' AND ')}`);
    assert.ok(!out.includes('secret'), out);
    assert.match(out, /^SELECT \* FROM t WHERE c0 = \? AND c1 = \? AND c2 = \? AND c3 = \? AND c4 = \?$/);
  }
});
