// The parts of a URL that CLIENT spans carry (agent/instrument/url-parts.ts), parsed once per URL, and the
// traceparent replacement that keeps a fetch caller's own header from being joined to the agent's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { urlParts } from '../../agent/instrument/url-parts.ts';
import { serverAttributes } from '../../agent/instrument/llm/call.ts';
import { replaceHeader } from '../../agent/instrument/fetch.ts';

test('scheme, host and port; no port when the URL names none', () => {
  assert.deepEqual(urlParts('http://api.example.com'), { protocol: 'http:', host: 'api.example.com', port: '' });
  assert.deepEqual(urlParts('https://api.example.com/v1'), { protocol: 'https:', host: 'api.example.com', port: '' });
  assert.deepEqual(urlParts('http://127.0.0.1:8080'), { protocol: 'http:', host: '127.0.0.1', port: '8080' });
});

test('an IPv6 host loses its brackets', () => {
  assert.deepEqual(urlParts('http://[::1]:3000'), { protocol: 'http:', host: '::1', port: '3000' });
});

test('each URL is parsed once; a different URL gets its own parts', () => {
  const first = urlParts('http://cached.example:9000');
  assert.equal(urlParts('http://cached.example:9000'), first);
  assert.notEqual(urlParts('http://cached.example:9001'), first);
  assert.equal(urlParts('http://cached.example:9001').port, '9001');
});

test('what is not a URL gives undefined, not an exception', () => {
  assert.equal(urlParts('not a url'), undefined);
  assert.equal(urlParts('undefined'), undefined);
});

test('an LLM client base URL gives server.address, and server.port only when it names one', () => {
  const named = {};
  serverAttributes('http://[::1]:4010/v1', named);
  assert.deepEqual(named, { 'server.address': '::1', 'server.port': 4010 });
  const bare = {};
  serverAttributes('https://api.openai.com/v1', bare);
  assert.deepEqual(bare, { 'server.address': 'api.openai.com' });
  const none = {};
  serverAttributes('::not a url::', none);
  assert.deepEqual(none, {});
});

test('an existing traceparent is replaced in place and a second copy dropped', () => {
  const request = { headers: ['traceparent', 'old', 'accept', '*/*', 'TraceParent', 'dup'] };
  assert.equal(replaceHeader(request, 'traceparent', 'new'), true);
  assert.deepEqual(request.headers, ['traceparent', 'new', 'accept', '*/*']);
  assert.equal(replaceHeader({ headers: ['accept', '*/*'] }, 'traceparent', 'x'), false);
});

test('a CLIENT span whose origin has no known port carries no server.port', async () => {
  const { clientSpanAttributes } = await import('../../agent/instrument/http-attributes.ts');
  const known = clientSpanAttributes('GET', 'http:', 'api.example.com', '8080', '/x', new Map());
  assert.equal(known['server.port'], 8080);
  const unknown = clientSpanAttributes('GET', 'http:', '', '', '/x', new Map());
  assert.equal('server.port' in unknown, false);
  assert.equal(unknown['http.method'], 'GET');
});
