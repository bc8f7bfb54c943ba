'use strict';
// One measurement of bench/llm-calls.mjs: COUNT sequential chat completions with the real openai SDK (the
// test/apps/openai6 workspace: the newest major OpenTelemetry's instrumentation-openai supports), inside one active
// span. CHUNKS=0: plain calls; CHUNKS=n: streamed calls of n content chunks, read to the end.
// TRANSPORT=http: against the fake API at FAKE_LLM_URL (the SDK's fetch span included); TRANSPORT=inproc: through
// the SDK's `fetch` option, answered in-process with the same bytes, so no HTTP stack blurs the LLM span's own cost.
// WARMUP calls (default 300) run first, unmeasured.
// Prints `CPU_US_PER_CALL <n>` (CPU, not wall time: the machine is shared and often preempted).
const path = require('node:path');
const { trace } = require('@opentelemetry/api');

const OpenAI = require(require.resolve('openai', { paths: [path.join(__dirname, '../test/apps/openai6')] }));
const count = Number(process.env.COUNT ?? 1000);
const chunks = Number(process.env.CHUNKS ?? 0);
const warmup = Number(process.env.WARMUP ?? Math.min(300, count));
const body = chunks === 0
  ? { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], max_tokens: 50 }
  : { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `many ${chunks}` }], stream: true };

function cannedFetch() {
  const created = 1_700_000_000;
  const json = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created, model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake model.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
  const sse = (withUsage) => {
    const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created, model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, delta, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) })}\n\n`;
    let text = chunk({ role: 'assistant', content: '' });
    for (let i = 0; i < chunks; i++) text += chunk({ content: ' tok' });
    text += chunk({}, 'stop');
    if (withUsage) text += `data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created, model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 11, completion_tokens: chunks, total_tokens: 11 + chunks } })}\n\n`;
    return `${text}data: [DONE]\n\n`;
  };
  const streams = { plain: sse(false), usage: sse(true) };
  return async (_url, init) => {
    if (chunks === 0) return new Response(json, { status: 200, headers: { 'content-type': 'application/json' } });
    const usage = JSON.parse(init.body).stream_options?.include_usage === true;
    return new Response(streams[usage ? 'usage' : 'plain'], { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

const inproc = process.env.TRANSPORT === 'inproc';
const client = new OpenAI({ apiKey: 'sk-bench', baseURL: `${process.env.FAKE_LLM_URL ?? 'http://127.0.0.1:9'}/v1`, maxRetries: 0,
  ...(inproc ? { fetch: cannedFetch() } : {}) });

async function once() {
  if (chunks === 0) return client.chat.completions.create(body);
  let n = 0;
  for await (const chunk of await client.chat.completions.create(body)) n += chunk.choices.length;
  return n;
}

// The in-process transport resolves everything in microtasks: without a turn of the event loop now and then, an
// agent's export requests could never leave, its queue would overflow, and the dropped spans (never encoded)
// would make it look cheaper than it is. Every variant yields the same way.
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

trace.getTracer('bench').startActiveSpan('bench', async (span) => {
  for (let i = 0; i < warmup; i++) {
    await once();
    if (i % 20 === 19) await yieldToLoop();
  }
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    await once();
    if (i % 20 === 19) await yieldToLoop();
  }
  const used = process.cpuUsage(started);
  span.end();
  process.stdout.write(`CPU_US_PER_CALL ${((used.user + used.system) / count).toFixed(2)}\n`);
});
