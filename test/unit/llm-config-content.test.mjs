// LLM settings (TRACEKIT_LLM_CAPTURE_CONTENT, TRACEKIT_LLM_STREAM_USAGE) and the content limits: a bad value is
// one warning and the default; messages are cut to 4 KiB of UTF-8 on a character boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '../../agent/config.ts';
import { MAX_MESSAGE_BYTES, contentText, truncateUtf8 } from '../../agent/instrument/llm/content.ts';

const read = (env) => readConfig(env, { cwd: '/nonexistent', readFile: () => undefined });

test('defaults: content capture off, stream usage on', () => {
  const { config, warnings } = read({});
  assert.deepEqual(config.llm, { captureContent: false, streamUsage: true });
  assert.deepEqual(warnings, []);
});

test('values are read; a bad one is one warning and the default', () => {
  assert.deepEqual(read({ TRACEKIT_LLM_CAPTURE_CONTENT: 'yes', TRACEKIT_LLM_STREAM_USAGE: 'false' }).config.llm, { captureContent: true, streamUsage: false });
  const { config, warnings } = read({ TRACEKIT_LLM_CAPTURE_CONTENT: 'sometimes', TRACEKIT_LLM_STREAM_USAGE: '2' });
  assert.deepEqual(config.llm, { captureContent: false, streamUsage: true });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /TRACEKIT_LLM_CAPTURE_CONTENT="sometimes" is not a boolean .*; using false/);
  assert.match(warnings[1], /TRACEKIT_LLM_STREAM_USAGE="2" is not a boolean .*; using true/);
});

test('truncation: at most 4 KiB of UTF-8, never half a character', () => {
  assert.deepEqual(truncateUtf8('short'), { text: 'short', truncated: false });
  const ascii = truncateUtf8('a'.repeat(5000));
  assert.equal(ascii.text.length, MAX_MESSAGE_BYTES);
  assert.equal(ascii.truncated, true);
  for (const char of ['é', '€', '😀']) {
    const { text, truncated } = truncateUtf8(char.repeat(3000));
    assert.equal(truncated, true);
    assert.ok(Buffer.byteLength(text) <= MAX_MESSAGE_BYTES && Buffer.byteLength(text) > MAX_MESSAGE_BYTES - 4, char);
    assert.equal(text, char.repeat(text.length / char.length), `${char}: whole characters only`);
  }
  // Exactly at the limit: kept whole.
  assert.deepEqual(truncateUtf8('é'.repeat(2048)), { text: 'é'.repeat(2048), truncated: false });
});

test('content as text: strings as they are, parts as JSON, cycles skipped', () => {
  assert.equal(contentText('hi'), 'hi');
  assert.equal(contentText([{ type: 'text', text: 'hi' }]), '[{"type":"text","text":"hi"}]');
  assert.equal(contentText(null), undefined);
  const cycle = {};
  cycle.self = cycle;
  assert.equal(contentText(cycle), undefined);
});
