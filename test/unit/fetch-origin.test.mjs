// The parts of a fetch's origin that CLIENT spans carry (agent/instrument/fetch.ts), parsed once per origin, and
// the traceparent replacement that keeps a caller's own header from being joined to the agent's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originParts, replaceHeader } from '../../agent/instrument/fetch.ts';

test('scheme, host and port, with the default port of each scheme', () => {
  assert.deepEqual(originParts('http://api.example.com'), { protocol: 'http:', host: 'api.example.com', port: '80' });
  assert.deepEqual(originParts('https://api.example.com'), { protocol: 'https:', host: 'api.example.com', port: '443' });
  assert.deepEqual(originParts('http://127.0.0.1:8080'), { protocol: 'http:', host: '127.0.0.1', port: '8080' });
});

test('an IPv6 host loses its brackets', () => {
  assert.deepEqual(originParts('http://[::1]:3000'), { protocol: 'http:', host: '::1', port: '3000' });
});

test('each origin is parsed once; a different origin gets its own parts', () => {
  const first = originParts('http://cached.example:9000');
  assert.equal(originParts('http://cached.example:9000'), first);
  assert.notEqual(originParts('http://cached.example:9001'), first);
  assert.equal(originParts('http://cached.example:9001').port, '9001');
});

test('an origin that is not a URL gives empty parts, not an exception', () => {
  assert.deepEqual(originParts('not a url'), { protocol: 'http:', host: '', port: '' });
  assert.deepEqual(originParts('undefined'), { protocol: 'http:', host: '', port: '' });
});

test('an existing traceparent is replaced in place and a second copy dropped', () => {
  const request = { headers: ['traceparent', 'old', 'accept', '*/*', 'TraceParent', 'dup'] };
  assert.equal(replaceHeader(request, 'traceparent', 'new'), true);
  assert.deepEqual(request.headers, ['traceparent', 'new', 'accept', '*/*']);
  assert.equal(replaceHeader({ headers: ['accept', '*/*'] }, 'traceparent', 'x'), false);
});
