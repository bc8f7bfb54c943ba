// PII scrubbing of snapshots: node --import tsx --test test/unit/pii.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PiiScrubber, REDACTED_SENSITIVE_NAME, SENSITIVE_NAME_FLAG, PII_VALUE_TYPES } from '../../agent/snapshots/pii.ts';
import { serializeVariables, warmUpSerializer } from '../../agent/snapshots/serialize.ts';

const pii = new PiiScrubber();
const R = (type) => `[REDACTED:${type}]`;
/** Serializer with scrubbing and a clock that never runs out (these tests are about content, not the budget). */
const serialize = (variables, scrubber = pii) => serializeVariables(variables, { pii: scrubber, now: () => 0 });
const flagsOf = (result) => result.securityFlags.map((f) => `${f.type}@${f.variable}:${f.severity}`).sort();

warmUpSerializer(pii);

function assertScrub(input, expected, types) {
  const r = pii.scrubString(input);
  assert.equal(r.value, expected, `scrubString(${JSON.stringify(input)})`);
  assert.deepEqual(r.types, types, `types of ${JSON.stringify(input)}`);
}

function assertUntouched(input) {
  const r = pii.scrubString(input);
  assert.equal(r.value, input, `scrubString(${JSON.stringify(input)}) should not change it`);
  assert.deepEqual(r.types, []);
}

describe('isSensitiveName', () => {
  test('protocol examples and the boundary rule', () => {
    for (const name of [
      'password', 'passwd', 'pwd', 'secret', 'token', 'key', 'credential', 'api_key', 'apikey',
      'user_token', 'db_password', 'X-Api-Key', 'x-api-key', 'API_KEY', 'PASSWORD', 'client_secret', 'secret-key',
      'refresh.token', 'token2', '2fa_secret', 'aws_secret_access_key', 'private key', 'user[password]', 'cache-key',
    ]) {
      assert.equal(pii.isSensitiveName(name), true, name);
    }
  });

  test('a sensitive word inside a longer word does not match', () => {
    for (const name of [
      'monkey', 'keyboard', 'tokenizer', 'donkey', 'turkey', 'secretary', 'passwords', 'credentials', 'tokens',
      'keys', 'passport', 'username', 'email', 'id', '', 'pwdx', 'apikeys', 'hotkeys',
    ]) {
      assert.equal(pii.isSensitiveName(name), false, name);
    }
  });

  test('camelCase: a lower→upper change and the end of an upper-case run are boundaries', () => {
    for (const name of ['accessToken', 'userPassword', 'dbPwd', 'APIKey', 'apiKey', 'clientSecretValue', 'myKey', 'XApiKey', 'sessionTokenId']) {
      assert.equal(pii.isSensitiveName(name), true, name);
    }
    for (const name of ['monKEYs', 'Keyboard', 'TOKENIZER', 'tokenizerConfig', 'KEYBOARD']) {
      assert.equal(pii.isSensitiveName(name), false, name);
    }
  });

  test('credential headers match as whole names', () => {
    for (const name of ['authorization', 'Authorization', 'proxy-authorization', 'cookie', 'Set-Cookie']) {
      assert.equal(pii.isSensitiveName(name), true, name);
    }
    assert.equal(pii.isSensitiveName('authorized'), false);
    assert.equal(pii.isSensitiveName('cookies_accepted'), false);
  });

  test('extra names are lower-cased, trimmed and use the same rule', () => {
    const extra = new PiiScrubber({ extraNames: ['  Session ', 'SSN', '', 'x-tenant-id'] });
    for (const name of ['session', 'user_session', 'sessionId', 'SESSION', 'ssn', 'customerSsn', 'X-Tenant-Id']) {
      assert.equal(extra.isSensitiveName(name), true, name);
    }
    for (const name of ['sessions', 'ssnx', 'tenant']) assert.equal(extra.isSensitiveName(name), false, name);
    assert.equal(extra.isSensitiveName('password'), true, 'base names stay');
    assert.equal(pii.isSensitiveName('session'), false, 'the default scrubber is unaffected');
    assert.ok(extra.sensitiveNames.includes('session'));
  });

  test('pathological names stay fast', () => {
    const t = performance.now();
    assert.equal(pii.isSensitiveName('keykeykeykey'.repeat(100_000)), false);
    assert.equal(pii.isSensitiveName('a'.repeat(1_000_000) + '_token'), false, 'judged by its first 4096 characters');
    assert.ok(performance.now() - t < 1000);
  });
});

describe('scrubString: value patterns', () => {
  test('email', () => {
    assertScrub('mail john.doe+tag@sub.example.co.uk now', `mail ${R('email')} now`, ['email']);
    assertScrub('A.B_C%D-E@EXAMPLE.COM', R('email'), ['email']);
    assertScrub('a@b.co, c@d.io', `${R('email')}, ${R('email')}`, ['email']);
    for (const s of ['foo@bar', 'user@host.c', '@handle here', 'a @ b.com', 'price@ 5.00 each']) assertUntouched(s);
  });

  test('US SSN', () => {
    assertScrub('ssn 123-45-6789.', `ssn ${R('ssn')}.`, ['ssn']);
    for (const s of ['123-456-789', '1234-56-7890', '123-45-67890', '0123-45-6789', '123 45 6789']) assertUntouched(s);
  });

  test('16-digit card numbers, optionally grouped', () => {
    assertScrub('card 4111111111111111', `card ${R('credit_card')}`, ['credit_card']);
    assertScrub('4111 1111 1111 1111', R('credit_card'), ['credit_card']);
    assertScrub('(5500-0000-0000-0004)', `(${R('credit_card')})`, ['credit_card']);
    for (const s of ['411111111111111', '41111111111111112', '4111 1111 1111', '4111_1111_1111_1111', '1700000000000']) assertUntouched(s);
  });

  test('AWS access key id', () => {
    assertScrub('key AKIAIOSFODNN7EXAMPLE here', `key ${R('aws_key')} here`, ['aws_key']);
    for (const s of ['AKIAIOSFODNN7EXAMPL', 'akiaiosfodnn7example', 'XAKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE1']) assertUntouched(s);
  });

  test('AWS secret near the words aws … secret', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    assertScrub(`AWS_SECRET_ACCESS_KEY=${secret}`, `AWS_SECRET_ACCESS_KEY=${R('aws_secret')}`, ['aws_secret']);
    assertScrub(`{"aws_secret_access_key": "${secret}"}`, `{"aws_secret_access_key": "${R('aws_secret')}"}`, ['aws_secret']);
    assertScrub(`aws secret key: ${secret}`, `aws secret key: ${R('aws_secret')}`, ['aws_secret']);
    assertUntouched(`value ${secret}`);
    assertUntouched('aws secret=tooShort');
    assertUntouched(`aws_region=eu-west-1 then a long way later the secret=${secret.slice(0, 30)}`);
  });

  test('Bearer tokens', () => {
    assertScrub('Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123', `Authorization: ${'Bearer '}${R('oauth_token')}`, ['oauth_token']);
    assertScrub('bearer ya29.a0AfH6SMBx-_~+/abcdefghij==', `bearer ${R('oauth_token')}`, ['oauth_token']);
    for (const s of ['Bearer short', 'the bearer of bad news', 'Bearer']) assertUntouched(s);
  });

  test('Stripe live secret keys', () => {
    assertScrub('sk_live_4eC39HqLyjWDarjtT1zdp7dc', R('stripe_key'), ['stripe_key']);
    for (const s of ['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_short', 'pk_live_4eC39HqLyjWDarjtT1zdp7dc']) assertUntouched(s);
  });

  test('password assignments', () => {
    assertScrub('password=hunter2&user=ada', `password=${R('password')}&user=ada`, ['password']);
    assertScrub('pwd: s3cret', `pwd: ${R('password')}`, ['password']);
    assertScrub('passwd="two words"', `passwd="${R('password')}"`, ['password']);
    assertScrub(`{"password":"x","user":"ada"}`, `{"password":"${R('password')}","user":"ada"}`, ['password']);
    assertScrub("DB_PASSWORD = 'p@ss w0rd'", `DB_PASSWORD = '${R('password')}'`, ['password']);
    for (const s of ['password reset requested', 'passwordless login', 'the pwd is here', 'password=']) assertUntouched(s);
  });

  test('JWTs', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    assertScrub(`token ${jwt} end`, `token ${R('jwt')} end`, ['jwt']);
    assertScrub('eyJhbGciOiJIUzI1NiJ9.eyJzdWIi', R('jwt'), ['jwt']); // cut after the payload's start
    for (const s of ['eyJhbGciOi', 'eyJ.eyJ', 'keyJhbGciOiJIUzI1NiJ9.eyJzdWIi']) assertUntouched(s);
  });

  test('PEM private keys, terminated or cut', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----';
    assertScrub(`key:\n${pem}\nafter`, `key:\n${R('private_key')}\nafter`, ['private_key']);
    assertScrub('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg', R('private_key'), ['private_key']);
    assertScrub('x -----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn', `x ${R('private_key')}`, ['private_key']);
    for (const s of ['-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----', '-----BEGIN CERTIFICATE-----\nMIID']) assertUntouched(s);
  });

  test('api_key assignments with 20+ characters', () => {
    assertScrub('api_key=0123456789abcdefghijABCD', `api_key=${R('api_key')}`, ['api_key']);
    assertScrub('apikey: "abcdefghijklmnopqrstuvwx"', `apikey: "${R('api_key')}"`, ['api_key']);
    assertScrub('X-Api-Key: abcdefghijklmnopqrstuv', `X-Api-Key: ${R('api_key')}`, ['api_key']);
    for (const s of ['api_key=short', 'apikey missing', 'api_key = 123']) assertUntouched(s);
  });

  test('no phone pattern: epoch timestamps and 10-digit numbers stay', () => {
    for (const s of ['5551234567', '1700000000', '1700000000000', 'call 555-123-4567', 'order 2024-03-17 12:00']) assertUntouched(s);
  });

  test('several types in one string, each type listed once, idempotent', () => {
    const input = 'ada@example.com bob@example.com 123-45-6789 password=x';
    const r = pii.scrubString(input);
    assert.equal(r.value, `${R('email')} ${R('email')} ${R('ssn')} password=${R('password')}`);
    assert.deepEqual([...r.types].sort(), ['email', 'password', 'ssn']);
    const again = pii.scrubString(r.value);
    assert.equal(again.value, r.value);
    assert.deepEqual(again.types, []);
    for (const t of r.types) assert.ok(PII_VALUE_TYPES.includes(t));
  });

  test('a string without triggers comes back as is, quickly', () => {
    const s = 'The quick brown fox jumps over the lazy dog';
    const r = pii.scrubString(s);
    assert.equal(r.value, s);
    assert.deepEqual(r.types, []);
    const t = performance.now();
    for (let i = 0; i < 100_000; i++) pii.scrubString(s);
    const perCall = ((performance.now() - t) / 100_000) * 1000;
    assert.ok(perCall < 20, `${perCall.toFixed(2)} µs per call`);
  });
});

describe('scrubText / scrubUrl: userinfo and query strings', () => {
  test('userinfo is redacted whole', () => {
    assert.equal(pii.scrubUrl('https://ada:hunter2@example.com/x'), `https://${R('password')}@example.com/x`);
    assert.equal(pii.scrubUrl('postgres://app:pw@db:5432/shop'), `postgres://${R('password')}@db:5432/shop`);
    assert.equal(pii.scrubUrl('https://ghp_abc123@github.com/o/r.git'), `https://${R('password')}@github.com/o/r.git`);
    assert.equal(pii.scrubUrl('https://example.com/users/a@b'), 'https://example.com/users/a@b', '@ in the path is not userinfo');
  });

  test('query and fragment values with sensitive names', () => {
    assert.equal(
      pii.scrubUrl('https://example.com/cb?token=abc&page=2&api_key=k#access_token=zzz'),
      `https://example.com/cb?token=${REDACTED_SENSITIVE_NAME}&page=2&api_key=${REDACTED_SENSITIVE_NAME}#access_token=${REDACTED_SENSITIVE_NAME}`,
    );
    assert.equal(pii.scrubUrl('/login?next=/home&password=x'), `/login?next=/home&password=${REDACTED_SENSITIVE_NAME}`);
    assert.equal(pii.scrubUrl('/cb?next=/login?token=abc'), `/cb?next=/login?token=${REDACTED_SENSITIVE_NAME}`);
    assert.equal(pii.scrubUrl('/q?user%5Fpassword=x'), `/q?user%5Fpassword=${REDACTED_SENSITIVE_NAME}`, 'names are decoded');
    assert.equal(pii.scrubUrl('/q?page=1&sort=asc'), '/q?page=1&sort=asc');
  });

  test('query values go through the value patterns, decoded', () => {
    assert.equal(pii.scrubUrl('/invite?email=ada%40example.com&x=1'), `/invite?email=${R('email')}&x=1`);
    assert.equal(pii.scrubUrl('/invite?to=ada@example.com'), `/invite?to=${R('email')}`);
    const r = pii.scrubText('https://u:p@example.com/?token=1&ssn=123-45-6789');
    assert.deepEqual([...r.types].sort(), ['password', SENSITIVE_NAME_FLAG, 'ssn'].sort());
  });

  test('URLs inside free text', () => {
    assert.equal(
      pii.scrubText('redirecting to https://app.example.com/cb?code=1&token=abc now').value,
      `redirecting to https://app.example.com/cb?code=1&token=${REDACTED_SENSITIVE_NAME} now`,
    );
    assert.equal(pii.scrubText('plain text, no url').value, 'plain text, no url');
  });
});

describe('scrubHeaders', () => {
  test('sensitive names, URL and value patterns in values, arrays and numbers', () => {
    const r = pii.scrubHeaders({
      authorization: 'Basic dXNlcjpwYXNz',
      Cookie: 'sid=abc',
      'set-cookie': ['a=1', 'b=2'],
      'x-api-key': 'k',
      'x-auth-token': 't',
      referer: 'https://example.com/page?token=abc&q=shoes',
      'user-agent': 'bot (contact ada@example.com)',
      'x-forwarded-for': ['10.0.0.1', 'Bearer abcdefghijklmnopqrstuvwxyz'],
      'content-length': 42,
      'content-type': 'application/json',
      absent: undefined,
    });
    assert.deepEqual(r.headers, {
      authorization: REDACTED_SENSITIVE_NAME,
      Cookie: REDACTED_SENSITIVE_NAME,
      'set-cookie': REDACTED_SENSITIVE_NAME,
      'x-api-key': REDACTED_SENSITIVE_NAME,
      'x-auth-token': REDACTED_SENSITIVE_NAME,
      referer: `https://example.com/page?token=${REDACTED_SENSITIVE_NAME}&q=shoes`,
      'user-agent': `bot (contact ${R('email')})`,
      'x-forwarded-for': ['10.0.0.1', `Bearer ${R('oauth_token')}`],
      'content-length': 42,
      'content-type': 'application/json',
    });
    assert.deepEqual([...r.types].sort(), ['email', 'oauth_token', SENSITIVE_NAME_FLAG].sort());
    assert.ok(r.findings.some((f) => f.header === 'referer' && f.type === SENSITIVE_NAME_FLAG));
    assert.ok(r.findings.some((f) => f.header === 'user-agent' && f.type === 'email'));
  });

  test('garbage in, no throw', () => {
    assert.deepEqual(pii.scrubHeaders(null).headers, {});
    assert.deepEqual(pii.scrubHeaders({ a: { nested: true } }).headers, { a: '[object]' });
  });
});

describe('scrubbing at every depth through the serializer', () => {
  test('nested objects and arrays: names and values, with readable paths', () => {
    const r = serialize({
      user: { name: 'Ada', email: 'ada@example.com', credentials: [{ token: 'abc', note: 'ssn 123-45-6789' }] },
      password: 'top-level',
      list: ['ok', 'card 4111 1111 1111 1111', ['deeper AKIAIOSFODNN7EXAMPLE']],
      d1: { d2: { d3: { d4: { apiKey: 'x', jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' } } } },
    });
    const v = r.variables;
    assert.equal(v.password, REDACTED_SENSITIVE_NAME);
    assert.equal(v.user.email, R('email'));
    assert.equal(v.user.name, 'Ada');
    assert.equal(v.user.credentials[0].token, REDACTED_SENSITIVE_NAME);
    assert.equal(v.user.credentials[0].note, `ssn ${R('ssn')}`);
    assert.equal(v.list[1], `card ${R('credit_card')}`);
    assert.equal(v.list[2][0], `deeper ${R('aws_key')}`);
    assert.equal(v.d1.d2.d3.d4.apiKey, REDACTED_SENSITIVE_NAME);
    assert.equal(v.d1.d2.d3.d4.jwt, R('jwt'));
    assert.deepEqual(flagsOf(r), [
      'aws_key@list[2][0]:high',
      'credit_card@list[1]:high',
      'email@user.email:high',
      'jwt@d1.d2.d3.d4.jwt:high',
      'sensitive_variable_name@d1.d2.d3.d4.apiKey:medium',
      'sensitive_variable_name@password:medium',
      'sensitive_variable_name@user.credentials[0].token:medium',
      'ssn@user.credentials[0].note:high',
    ]);
  });

  test('Map keys and values, Set items', () => {
    const r = serialize({
      headers: new Map([
        ['authorization', 'Bearer abcdefghijklmnopqrstuvwxyz'],
        ['ada@example.com', 'owner'],
        ['note', 'call 123-45-6789'],
        [42, { secret: 's' }],
      ]),
      tags: new Set(['vip', 'bob@example.com']),
    });
    const entries = r.variables.headers.entries;
    assert.deepEqual(entries[0], ['authorization', REDACTED_SENSITIVE_NAME]);
    assert.deepEqual(entries[1], [R('email'), 'owner']);
    assert.deepEqual(entries[2], ['note', `call ${R('ssn')}`]);
    assert.deepEqual(entries[3], [42, { secret: REDACTED_SENSITIVE_NAME }]);
    assert.deepEqual(r.variables.tags.values, ['vip', R('email')]);
    assert.deepEqual(flagsOf(r), [
      'email@headers.keys()[1]:high',
      'email@tags.values()[1]:high',
      'sensitive_variable_name@headers.get("authorization"):medium',
      'sensitive_variable_name@headers.get(42).secret:medium',
      'ssn@headers.get("note"):high',
    ]);
    assert.ok(!JSON.stringify(r).includes('abcdefghijklmnopqrstuvwxyz'));
  });

  test('URL objects, URL strings, URLSearchParams, errors and buffers', () => {
    const err = new Error('lookup failed for ada@example.com');
    err.code = 'E_LOOKUP';
    const r = serialize({
      target: new URL('https://ada:pw@example.com/cb?token=abc&x=1'),
      link: 'https://example.com/reset?password=abc',
      params: new URLSearchParams('page=2&api_key=zzz'),
      err,
      raw: Buffer.from('password=hunter2'),
    });
    const v = r.variables;
    assert.equal(v.target, `https://${R('password')}@example.com/cb?token=${REDACTED_SENSITIVE_NAME}&x=1`);
    assert.equal(v.link, `https://example.com/reset?password=${REDACTED_SENSITIVE_NAME}`);
    assert.equal(v.params, `page=2&api_key=${REDACTED_SENSITIVE_NAME}`);
    assert.equal(v.err.message, `lookup failed for ${R('email')}`);
    assert.ok(!v.err.stack.includes('ada@example.com'), 'stack scrubbed too');
    assert.equal(v.err.code, 'E_LOOKUP');
    assert.equal(v.raw.hex, R('password'), 'a buffer preview that decodes to a secret is redacted');
    const flags = flagsOf(r);
    for (const f of ['password@target:high', 'sensitive_variable_name@target:medium', 'sensitive_variable_name@link:medium', 'email@err.message:high', 'email@err.stack:high', 'password@raw:high']) {
      assert.ok(flags.includes(f), `missing ${f} in ${flags}`);
    }
  });

  test('object keys are scrubbed too, and flags are deduplicated', () => {
    const r = serialize({ byEmail: { 'ada@example.com': 1 }, again: ['a@b.co a@b.co c@d.io'] });
    assert.deepEqual(r.variables.byEmail, { [R('email')]: 1 });
    assert.deepEqual(flagsOf(r), ['email@again[0]:high', 'email@byEmail["[REDACTED:email]"]:high']);
  });

  test('numbers that are card numbers', () => {
    const r = serialize({ card: 4111111111111111, big: 4111111111111111n, count: 1700000000000 });
    assert.equal(r.variables.card, R('credit_card'));
    assert.equal(r.variables.big, R('credit_card'));
    assert.equal(r.variables.count, 1700000000000);
  });

  test('strings cut by truncation never leak the start of a secret', () => {
    const pad = 'x'.repeat(1020);
    const r = serialize({ a: `${pad} ada@example.com ${'y'.repeat(5000)}`, b: `${pad}4111 1111 1111 1111${'z'.repeat(5000)}` });
    assert.ok(!r.variables.a.includes('ada@'), r.variables.a.slice(1000));
    assert.ok(r.variables.a.includes(R('email')));
    assert.ok(!/4111/.test(r.variables.b));
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(100_000)}\n-----END RSA PRIVATE KEY-----`;
    assert.equal(serialize({ pem }).variables.pem.startsWith(R('private_key')), true);
    assert.ok(!serialize({ pem }).variables.pem.includes('AAAA'));
  });

  test('scrubbing off: nothing redacted, no flags', () => {
    const r = serializeVariables({ password: 'x', email: 'ada@example.com' }, { now: () => 0 });
    assert.deepEqual(r.variables, { password: 'x', email: 'ada@example.com' });
    assert.deepEqual(r.securityFlags, []);
  });

  test('extra names apply at every depth', () => {
    const extra = new PiiScrubber({ extraNames: ['tenant'] });
    const r = serialize({ a: { b: [{ tenantId: 't-1' }] }, m: new Map([['tenant', 'acme']]) }, extra);
    assert.equal(r.variables.a.b[0].tenantId, REDACTED_SENSITIVE_NAME);
    assert.deepEqual(r.variables.m.entries[0], ['tenant', REDACTED_SENSITIVE_NAME]);
  });
});

describe('linear time on adversarial input (1 MB each)', () => {
  const M = 1 << 20;
  const rep = (s) => s.repeat(Math.ceil(M / s.length)).slice(0, M);
  const inputs = {
    letters: rep('a'),
    digits: rep('1'),
    digitGroups: rep('1234 '),
    ssnPrefixes: rep('123-45-'),
    atSigns: rep('a@'),
    longDomain: `a@${rep('b.')}`,
    localRun: `${rep('a.b-c+')}@`,
    emails: rep('a.a@a.a'),
    jwtHeads: rep('eyJ'),
    jwtNoPayload: rep('eyJaaaaa.'),
    awsKeywords: rep('aws secret '),
    awsSecretNoValue: rep('aws_secret_'),
    awsValueRun: `aws secret=${rep('A')}`,
    akia: rep('AKIA'),
    stripe: rep('sk_live_'),
    bearers: rep('Bearer '),
    bearerLong: `Bearer ${rep('a')}`,
    apiKeys: rep('api_key='),
    passwordEq: rep('password='),
    passwordQuote: rep('password="'),
    pwdSingleQuote: rep("pwd: '"),
    passwordSpaces: rep('password        '),
    pemHeaders: rep('-----BEGIN RSA PRIVATE KEY-----'),
    pemBegin: rep('-----BEGIN '),
    dashes: rep('-'),
    queryPairs: rep('?a=b&'),
    queryNames: rep('?token='),
    ampersands: rep('&&&='),
    userinfo: rep('://a@'),
    schemeRun: `http://${rep('a')}`,
    mixed: rep('x@y.co 123-45-6789 4111111111111111 password=1 '),
  };
  for (const [name, input] of Object.entries(inputs)) {
    test(name, () => {
      const t = performance.now();
      const r = pii.scrubText(input);
      const ms = performance.now() - t;
      assert.equal(typeof r.value, 'string');
      // Observed: 5–300 ms on a laptop-class core; a quadratic pattern would take minutes.
      assert.ok(ms < 3000, `${name}: ${ms.toFixed(0)} ms`);
    });
  }

  test('16x the input costs far less than 256x the time (no quadratic blow-up)', () => {
    // A complexity guard, not a performance target: linear work grows ~16x, quadratic ~256x. Minimum of three runs
    // and a wide margin so a busy machine cannot fail it.
    const timeOf = (s) => {
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        pii.scrubText(s);
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    for (const unit of ['eyJ', 'a@', 'aws secret ', 'password="']) {
      const small = unit.repeat(Math.ceil((64 * 1024) / unit.length));
      const large = unit.repeat(Math.ceil((1024 * 1024) / unit.length));
      const ts = Math.max(timeOf(small), 1);
      const tl = timeOf(large);
      assert.ok(tl < ts * 64 + 200, `${unit}: 64 KB ${ts.toFixed(1)} ms, 1 MB ${tl.toFixed(1)} ms`);
    }
  });
});
