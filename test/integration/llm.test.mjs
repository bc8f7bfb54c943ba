// LLM calls as spans, tested with the real SDKs (openai 4, 5, 6 and 7; @anthropic-ai/sdk 0.39 and 1.x), each in a
// CommonJS and an ESM app, pointed through `baseURL` at a fake API (test/helpers/fake-llm.mjs). For every
// scenario: the app's result is the one the same app gets without the agent, and the spans are what a user
// would read: one `chat {model}` CLIENT span, child of the request's SERVER span, with the SDK's HTTP CLIENT
// span(s) under it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { startFakeLlm } from '../helpers/fake-llm.mjs';
import { agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { nodeForTestApp, skipReason } from '../../scripts/install-newer-node-apps.mjs';

const OPENAI_SCENARIOS = ['chat', 'chat-tools', 'chat-stream', 'chat-stream-tools', 'chat-stream-own-options', 'chat-stream-break',
  'chat-stream-gate', 'chat-tee', 'chat-with-response', 'chat-error', 'chat-ratelimit', 'chat-ratelimit-once', 'chat-timeout',
  'responses', 'responses-tools', 'responses-stream', 'responses-error', 'chat-stream-helper', 'responses-stream-helper', 'chat-late-await'];
const ANTHROPIC_SCENARIOS = ['messages', 'messages-tools', 'messages-stream', 'messages-stream-tools', 'messages-stream-helper',
  'messages-stream-break', 'messages-stream-gate', 'messages-error', 'messages-ratelimit'];

let fake;
before(async () => { fake = await startFakeLlm(); });
after(async () => { await fake?.close(); });

/** Runs `scenarios` in the fixture (with the agent when `receiver` is given) and returns { app, results }. */
async function run(sdk, format, scenarios, { receiver, extra = {}, nodeArgs = [] } = {}) {
  const env = { SDK: sdk, FAKE_LLM_URL: fake.url, NODE_ENV: 'production', ...extra };
  // openai 7 needs Node 22+: its app runs on that line (see scripts/install-newer-node-apps.mjs).
  const node = nodeForTestApp(sdk);
  const app = await startApp(`test/fixtures/llm/app.${format}`, receiver === undefined
    ? { env: cleanEnv(env), nodeArgs, node }
    : { env: agentEnv(receiver, env), nodeArgs: [...nodeArgs, '--import', './register.mjs'], node });
  const results = {};
  try {
    for (const name of scenarios) {
      const answer = await request(`${app.url}/run/${name}`);
      assert.equal(answer.status, 200, `${name}: ${answer.body}`);
      results[name] = answer.body;
    }
  } finally {
    await stopApp(app);
  }
  return { app, results };
}

/** The spans of scenario `name`: its SERVER span, the LLM span(s) under it and the HTTP CLIENT spans under those. */
function spansOf(spans, name) {
  const server = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === `/run/${name}`);
  assert.ok(server, `a SERVER span for /run/${name}`);
  const trace = spans.filter((s) => s.traceId === server.traceId);
  const llm = trace.filter((s) => s.kind === 3 && s.name.startsWith('chat'));
  const http = trace.filter((s) => s.kind === 3 && s.name === 'POST' && /\/v1\//.test(s.attributes['url.full']));
  const foreign = trace.filter((s) => s.name.startsWith('anthropic.'));
  return { server, trace, llm, http, foreign };
}

const byName = (events, name) => (events ?? []).filter((e) => e.name === name);

/** The checks every LLM span passes, whatever the scenario. */
function checkShape(name, { server, trace, llm, http, foreign }, provider) {
  assert.equal(llm.length, 1, `${name}: exactly one LLM span: ${JSON.stringify(llm.map((s) => s.name))} in ${JSON.stringify(trace.map((s) => [s.kind, s.name]))}`);
  assert.deepEqual(foreign, [], `${name}: no span of the SDK's own`);
  const [span] = llm;
  assert.equal(span.parentSpanId, server.spanId, `${name}: the LLM span is a child of the request span`);
  assert.ok(http.length >= 1 && http.every((h) => h.parentSpanId === span.spanId), `${name}: the SDK's HTTP span(s) nest under the LLM span`);
  assert.equal(span.attributes['gen_ai.provider.name'], provider);
  assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(span.attributes['server.address'], '127.0.0.1');
  assert.equal(span.name, `chat ${span.attributes['gen_ai.request.model']}`);
  return span;
}

function checkOpenAI(spans, scenarios) {
  const get = (name) => checkShape(name, spansOf(spans, name), 'openai');
  const chat = get('chat');
  assert.deepEqual(pick(chat.attributes, ['gen_ai.request.model', 'gen_ai.request.max_tokens', 'gen_ai.request.temperature', 'gen_ai.response.model',
    'gen_ai.response.id', 'gen_ai.response.finish_reasons', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens']), {
    'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.request.max_tokens': 50, 'gen_ai.request.temperature': 0.2, 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.response.id': 'chatcmpl-fake-1', 'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.usage.input_tokens': 11, 'gen_ai.usage.output_tokens': 7,
  });
  assert.equal(chat.status.code, 0);
  assert.equal(byName(chat.events, 'gen_ai.user.message').length, 0, 'no content captured by default');
  const tools = get('chat-tools');
  assert.deepEqual(byName(tools.events, 'gen_ai.tool.call').map((e) => e.attributes), [{ 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_weather_1' }]);
  assert.deepEqual(tools.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
  for (const name of ['chat-stream', 'chat-stream-own-options', 'chat-stream-gate', 'chat-tee']) {
    const span = get(name);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 7, `${name}: usage from the stream`);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop'], name);
    assert.equal(span.attributes['gen_ai.response.id'], 'chatcmpl-fake-2', name);
  }
  for (const name of ['chat-stream-helper', 'chat-late-await']) {
    assert.ok(get(name).attributes['gen_ai.usage.output_tokens'] > 0, `${name}: usage recorded`);
  }
  assert.equal(get('responses-stream-helper').attributes['gen_ai.usage.output_tokens'], 5, 'the Responses stream helper: usage recorded');
  const streamedTools = get('chat-stream-tools');
  assert.deepEqual(byName(streamedTools.events, 'gen_ai.tool.call').map((e) => e.attributes), [{ 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_weather_2' }]);
  const abandoned = get('chat-stream-break');
  assert.equal(abandoned.attributes['tracekit.llm.stream.abandoned'], true);
  assert.equal(abandoned.status.code, 0);
  for (const [name, type] of [['chat-error', 'BadRequestError'], ['chat-ratelimit', 'RateLimitError'], ['chat-timeout', 'APIConnectionTimeoutError'], ['responses-error', 'BadRequestError']]) {
    const span = get(name);
    assert.equal(span.status.code, 2, `${name}: status ERROR`);
    assert.equal(span.attributes['error.type'], type, name);
    assert.equal(byName(span.events, 'exception').length, 1, `${name}: one exception event`);
  }
  const retried = spansOf(spans, 'chat-ratelimit-once');
  checkShape('chat-ratelimit-once', retried, 'openai');
  assert.deepEqual(retried.http.map((h) => h.attributes['http.response.status_code']).sort(), [200, 429], 'both attempts under the one LLM span');
  assert.equal(retried.llm[0].status.code, 0);
  const responses = get('responses');
  assert.deepEqual(pick(responses.attributes, ['gen_ai.request.model', 'gen_ai.request.max_tokens', 'gen_ai.request.temperature', 'gen_ai.response.id',
    'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.response.finish_reasons']), {
    'gen_ai.request.model': 'gpt-4.1', 'gen_ai.request.max_tokens': 64, 'gen_ai.request.temperature': 0.5, 'gen_ai.response.id': 'resp_fake_1',
    'gen_ai.usage.input_tokens': 13, 'gen_ai.usage.output_tokens': 5, 'gen_ai.response.finish_reasons': ['completed'],
  });
  const responsesStream = get('responses-stream');
  assert.equal(responsesStream.attributes['gen_ai.usage.output_tokens'], 5);
  assert.equal(responsesStream.attributes['gen_ai.response.model'], 'gpt-4.1-2025-04-14');
  assert.deepEqual(byName(get('responses-tools').events, 'gen_ai.tool.call').map((e) => e.attributes), [{ 'gen_ai.tool.name': 'lookup_order', 'gen_ai.tool.call.id': 'call_lookup_1' }]);
  // The app's own stream_options won: it asked for usage and got the usage chunk.
  const own = JSON.parse(scenarios['chat-stream-own-options']);
  assert.equal(own.at(-1).choices.length, 0);
  assert.ok(!JSON.parse(scenarios['chat-stream']).some((chunk) => chunk.choices.length === 0 || 'usage' in chunk), 'no usage chunk or field the app did not ask for');
}

function checkAnthropic(spans) {
  const get = (name) => checkShape(name, spansOf(spans, name), 'anthropic');
  const message = get('messages');
  assert.deepEqual(pick(message.attributes, ['gen_ai.request.model', 'gen_ai.request.max_tokens', 'gen_ai.request.temperature', 'gen_ai.response.model',
    'gen_ai.response.id', 'gen_ai.response.finish_reasons', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens']), {
    'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.request.max_tokens': 256, 'gen_ai.request.temperature': 0.7, 'gen_ai.response.model': 'claude-sonnet-4-5',
    // 21 input tokens plus 4 read from the cache.
    'gen_ai.response.id': 'msg_fake_1', 'gen_ai.response.finish_reasons': ['end_turn'], 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 9,
  });
  assert.deepEqual(byName(get('messages-tools').events, 'gen_ai.tool.call').map((e) => e.attributes), [{ 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'toolu_fake_1' }]);
  for (const name of ['messages-stream', 'messages-stream-helper', 'messages-stream-gate']) {
    const span = get(name);
    assert.deepEqual(pick(span.attributes, ['gen_ai.response.id', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.response.finish_reasons']), {
      'gen_ai.response.id': 'msg_fake_2', 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 9, 'gen_ai.response.finish_reasons': ['end_turn'],
    }, name);
  }
  assert.deepEqual(byName(get('messages-stream-tools').events, 'gen_ai.tool.call').map((e) => e.attributes), [{ 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'toolu_fake_2' }]);
  assert.equal(get('messages-stream-break').attributes['tracekit.llm.stream.abandoned'], true);
  for (const [name, type] of [['messages-error', 'BadRequestError'], ['messages-ratelimit', 'RateLimitError']]) {
    const span = get(name);
    assert.equal(span.status.code, 2, name);
    assert.equal(span.attributes['error.type'], type, name);
    assert.equal(byName(span.events, 'exception').length, 1, name);
  }
}

function pick(object, keys) {
  return Object.fromEntries(keys.map((key) => [key, object[key]]));
}

const MATRIX = [
  ...['openai4', 'openai5', 'openai6', 'openai7'].map((sdk) => ({ sdk, scenarios: OPENAI_SCENARIOS, check: checkOpenAI })),
  ...['anthropic039', 'anthropic1'].map((sdk) => ({ sdk, scenarios: ANTHROPIC_SCENARIOS, check: checkAnthropic })),
];

for (const { sdk, scenarios, check } of MATRIX) {
  for (const format of ['cjs', 'mjs']) {
    describe(`${sdk} (${format === 'cjs' ? 'CommonJS' : 'ESM'} app)`, { skip: skipReason(sdk) }, () => {
      let receiver;
      before(async () => { receiver = await startReceiver(); });
      after(async () => { await receiver?.close(); });

      test('one span per call, nested between the request and the HTTP call; the app gets what it gets without the agent', async () => {
        const plain = await run(sdk, format, scenarios);
        const traced = await run(sdk, format, scenarios, { receiver });
        assert.deepEqual(traced.results, plain.results, 'every result byte for byte as without the agent');
        assert.doesNotMatch(traced.app.stderr, /\[tracekit\] warning/);
        await receiver.waitForSpans({ where: (s) => s.kind === 2, count: scenarios.length });
        const spans = receiver.spans();
        check(spans, traced.results);
      });
    });
  }
}

describe('stream usage', { skip: skipReason('openai7') }, () => {
  test('asked for only when the app set no stream_options, and not at all with TRACEKIT_LLM_STREAM_USAGE=false', async () => {
    const receiver = await startReceiver();
    try {
      const since = fake.requests.length;
      await run('openai7', 'cjs', ['chat-stream', 'chat-stream-own-options'], { receiver });
      const sent = fake.requests.slice(since).map((r) => r.body.stream_options);
      assert.deepEqual(sent, [{ include_usage: true }, { include_usage: true }]);
      const off = fake.requests.length;
      await run('openai7', 'cjs', ['chat-stream'], { receiver, extra: { TRACEKIT_LLM_STREAM_USAGE: 'false' } });
      assert.deepEqual(fake.requests.slice(off).map((r) => r.body.stream_options), [undefined]);
      await receiver.waitForSpans({ where: (s) => s.kind === 2, count: 3 });
      const spans = receiver.spans();
      const last = spans.filter((s) => s.kind === 3 && s.name === 'chat gpt-4o-mini').at(-1);
      assert.equal(last.attributes['gen_ai.usage.output_tokens'], undefined, 'no usage without the option');
      assert.deepEqual(last.attributes['gen_ai.response.finish_reasons'], ['stop']);
    } finally {
      await receiver.close();
    }
  });
});

describe('a stream the app never reads', { skip: skipReason('openai7') }, () => {
  test('ends, marked abandoned, once the app dropped it and it was collected', async () => {
    const receiver = await startReceiver();
    try {
      await run('openai7', 'cjs', ['chat-stream-dropped'], { receiver, nodeArgs: ['--expose-gc'] });
      await receiver.waitForSpans((s) => s.kind === 2);
      const { llm } = spansOf(receiver.spans(), 'chat-stream-dropped');
      assert.equal(llm.length, 1);
      assert.equal(llm[0].attributes['tracekit.llm.stream.abandoned'], true);
    } finally {
      await receiver.close();
    }
  });
});

describe('@anthropic-ai/sdk 1.x traces itself', () => {
  test('with the anthropic row off, its own anthropic.messages.create span appears (the one the row replaces)', async () => {
    const receiver = await startReceiver();
    try {
      await run('anthropic1', 'cjs', ['messages'], { receiver, extra: { TRACEKIT_DISABLED_INSTRUMENTATIONS: 'anthropic' } });
      const spans = await receiver.waitForSpans((s) => s.name === 'anthropic.messages.create');
      assert.equal(spans.length, 1);
      assert.equal(spans[0].kind, 3);
    } finally {
      await receiver.close();
    }
  });
});

describe('content capture', () => {
  for (const [sdk, format, single, stream] of [['openai7', 'cjs', 'chat', 'chat-stream'], ['anthropic1', 'mjs', 'messages', 'messages-stream']]) {
    test(`${sdk}: off by default, and with TRACEKIT_LLM_CAPTURE_CONTENT=true prompts and completions as scrubbed, bounded events`, async () => {
      const receiver = await startReceiver();
      try {
        const names = sdk.startsWith('openai') ? [single, stream, 'chat-long', 'chat-tools'] : [single, stream, 'messages-tools'];
        const plain = await run(sdk, format, names);
        const traced = await run(sdk, format, names, { receiver, extra: { TRACEKIT_LLM_CAPTURE_CONTENT: 'true' } });
        assert.deepEqual(traced.results, plain.results);
        await receiver.waitForSpans({ where: (s) => s.kind === 2, count: names.length });
        const spans = receiver.spans();
        const llm = (name) => spansOf(spans, name).llm[0];
        const events = llm(single).events;
        const system = byName(events, 'gen_ai.system.message')[0].attributes['gen_ai.message.content'];
        assert.equal(system, 'Be brief. Contact: [REDACTED:email]');
        const user = byName(events, 'gen_ai.user.message')[0].attributes['gen_ai.message.content'];
        assert.match(user, /^(\[\{"type":"text","text":")?hello, my card is \[REDACTED:credit_card\]/);
        assert.doesNotMatch(user, /4111/);
        assert.equal(byName(events, 'gen_ai.choice')[0].attributes['gen_ai.message.content'], 'Hello from the fake model.');
        assert.equal(byName(llm(stream).events, 'gen_ai.choice')[0].attributes['gen_ai.message.content'], 'Hello from the fake model.', 'a stream\'s text, assembled');
        if (sdk.startsWith('openai')) {
          const long = llm('chat-long');
          const messages = (long.events ?? []).filter((e) => /^gen_ai\.(system|user|assistant|tool)\.message$|^gen_ai\.choice$/.test(e.name));
          assert.equal(messages.length, 20, 'at most 20 messages per span');
          assert.equal(long.attributes['tracekit.llm.content.dropped_messages'], 11, 'the oldest 11 of 30 prompt messages dropped, room left for the completion');
          const big = messages.find((e) => e.attributes['gen_ai.message.truncated'] === true);
          assert.ok(big, 'the 10 KiB message is marked truncated');
          assert.ok(Buffer.byteLength(big.attributes['gen_ai.message.content']) <= 4096);
          assert.ok(Buffer.byteLength(big.attributes['gen_ai.message.content']) > 4090);
          assert.equal(messages.at(-1).name, 'gen_ai.choice');
        }
      } finally {
        await receiver.close();
      }
    });
  }
});
