// The guard around the openai and anthropic rows, tested as a user would meet a failure: a request whose body
// throws only when the agent reads it arrives while a stream is half read. Then exactly one warning names the
// row, the row is off for every later call (a self-tracing SDK's own span takes its place), and every answer, the half-read stream's rest included (whose usage
// chunk the agent had asked for, and still removes), is the one the same app gets without the agent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { startFakeLlm } from '../helpers/fake-llm.mjs';
import { agentEnv, cleanEnv, startApp, stopApp } from '../helpers/app.mjs';
import { nodeForTestApp, skipReason } from '../../scripts/install-newer-node-apps.mjs';
import { rawResponse } from '../helpers/raw-response.mjs';

let fake;
before(async () => { fake = await startFakeLlm(); });
after(async () => { await fake?.close(); });

const CASES = [
  { name: 'openai', sdk: 'openai7', routes: ['hostile-midway', 'chat', 'chat-stream', 'responses-stream'] },
  { name: 'openai', sdk: 'openai4', routes: ['hostile-midway', 'chat', 'chat-stream'], format: 'mjs' },
  { name: 'openai', sdk: 'openai6', routes: ['hostile-before-parse', 'chat-stream'] },
  { name: 'anthropic', sdk: 'anthropic1', routes: ['hostile-midway', 'messages', 'messages-stream'] },
  { name: 'anthropic', sdk: 'anthropic039', routes: ['hostile-midway', 'messages-stream'], format: 'mjs' },
];

async function answers(c, receiver) {
  const env = { SDK: c.sdk, FAKE_LLM_URL: fake.url, NODE_ENV: 'production' };
  const node = nodeForTestApp(c.sdk);
  const app = await startApp(`test/fixtures/llm/app.${c.format ?? 'cjs'}`, receiver === undefined
    ? { env: cleanEnv(env), preload: false, node }
    : { env: agentEnv(receiver, env), node });
  try {
    const list = [];
    for (const route of c.routes) list.push(await rawResponse(`${app.url}/run/${route}`));
    return { app, list };
  } finally {
    await stopApp(app);
  }
}

for (const c of CASES) {
  describe(`${c.name} (${c.sdk}): a throwing hook`, { skip: skipReason(c.sdk) }, () => {
    let receiver;
    before(async () => { receiver = await startReceiver(); });
    after(async () => { await receiver?.close(); });

    test('one warning, the instrumentation off, and the app\'s answers unchanged', async () => {
      const plain = await answers(c);
      const traced = await answers(c, receiver);
      assert.deepEqual(traced.list, plain.list, 'every answer byte for byte as without the agent');
      assert.match(traced.list[0], /"(rest|chunks)":\[\{/);
      const warnings = traced.app.stderr.split('\n').filter((line) => /\[tracekit\] warning:/.test(line));
      assert.equal(warnings.length, 1, `exactly one warning:\n${traced.app.stderr}`);
      assert.match(warnings[0], new RegExp(`the ${c.name} instrumentation failed and is now off \\(hostile temperature\\); the app is unaffected`));
      await receiver.waitForSpans({ where: (s) => s.kind === 2, count: c.routes.length });
      const spans = receiver.spans();
      const later = spans.filter((s) => s.kind === 2 && s.attributes['url.path'] !== `/run/${c.routes[0]}`);
      assert.equal(later.length, c.routes.length - 1);
      for (const server of later) {
        const trace = spans.filter((s) => s.traceId === server.traceId);
        const path = server.attributes['url.path'];
        assert.deepEqual(trace.filter((s) => s.name.startsWith('chat')).map((s) => s.name), [], `${path}: no LLM span of the agent's once the row is off`);
        // @anthropic-ai/sdk 1.x traces itself: with the agent's span gone, its own comes back (still one per call).
        const own = trace.filter((s) => s.name === 'anthropic.messages.create').length;
        assert.equal(own, c.sdk === 'anthropic1' ? 1 : 0, `${path}: the SDK's own span`);
      }
    });
  });
}
