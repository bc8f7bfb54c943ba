// A fake LLM API for the openai and anthropic instrumentations: it answers with the shapes the providers document
// for chat completions (JSON, and `chat.completion.chunk` SSE with the optional usage-only chunk), the Responses
// API (JSON, and typed SSE events) and Anthropic messages (JSON, and message_start / content_block_* /
// message_delta / message_stop SSE), tool calls, API errors and 429s.
//
// The scenario is the last user message's text: `tool` (a tool call), `error` (400), `ratelimit` (429),
// `ratelimit-once` (429 on the first attempt, then the answer), `hang` (never answers), `gate` (a stream whose
// second chunk is only sent after POST /gate/open, which the app sends once it holds the first chunk), `many N`
// (a stream of N content chunks, for the bench).
import http from 'node:http';

const CREATED = 1_700_000_000;

export async function startFakeLlm() {
  const requests = [];
  const gates = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (req.url === '/gate/open') {
        for (const open of gates.splice(0)) open();
        return res.end('opened');
      }
      let body = {};
      try { body = text === '' ? {} : JSON.parse(text); } catch { /* a malformed body gets a 400 below */ }
      requests.push({ path: req.url, headers: req.headers, body });
      const scenario = scenarioOf(body);
      const retry = Number(req.headers['x-stainless-retry-count'] ?? 0);
      const anthropic = req.url.startsWith('/v1/messages');
      if (scenario === 'hang') return;
      if (scenario === 'error') return sendError(res, 400, anthropic, 'invalid_request_error', 'Invalid value for messages');
      if (scenario === 'ratelimit' || (scenario === 'ratelimit-once' && retry === 0)) {
        return sendError(res, 429, anthropic, anthropic ? 'rate_limit_error' : 'requests', 'Rate limit reached', { 'retry-after-ms': '1' });
      }
      const waitGate = scenario === 'gate' ? () => new Promise((resolve) => gates.push(resolve)) : undefined;
      if (req.url.startsWith('/v1/chat/completions')) return chat(res, body, scenario, waitGate, manyCount(body));
      if (req.url.startsWith('/v1/responses')) return responses(res, body, scenario, waitGate);
      if (anthropic) return messages(res, body, scenario, waitGate);
      res.writeHead(404).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function manyCount(body) {
  const text = body.messages?.at(-1)?.content;
  return typeof text === 'string' && text.startsWith('many ') ? Number(text.slice(5)) : undefined;
}

function scenarioOf(body) {
  const list = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : [];
  const last = typeof body.input === 'string' ? body.input : list.at(-1)?.content;
  const text = typeof last === 'string' ? last : Array.isArray(last) ? last.map((p) => p.text ?? '').join('') : '';
  return text.split(' ')[0];
}

function sendError(res, status, anthropic, type, message, headers = {}) {
  const payload = anthropic
    ? { type: 'error', error: { type, message } }
    : { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

function sendJson(res, payload) {
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
  res.end(JSON.stringify(payload));
}

/** Writes SSE events one by one; `waitGate` (if any) is awaited after the first. */
async function sendEvents(res, events, waitGate) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (let i = 0; i < events.length; i++) {
    const { event, data } = events[i];
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    if (i === 0 && waitGate) await waitGate();
  }
  res.end();
}

const WORDS = ['Hello', ' from', ' the', ' fake', ' model.'];

function chat(res, body, scenario, waitGate, many) {
  const model = body.model;
  const tool = scenario === 'tool';
  const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
  if (!body.stream) {
    const message = tool
      ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }
      : { role: 'assistant', content: WORDS.join('') };
    return sendJson(res, {
      id: 'chatcmpl-fake-1', object: 'chat.completion', created: CREATED, model: `${model}-2024-07-18`,
      choices: [{ index: 0, message, logprobs: null, finish_reason: tool ? 'tool_calls' : 'stop' }],
      usage, system_fingerprint: 'fp_fake',
    });
  }
  const withUsage = body.stream_options?.include_usage === true;
  const chunk = (delta, finish = null) => ({
    id: 'chatcmpl-fake-2', object: 'chat.completion.chunk', created: CREATED, model: `${model}-2024-07-18`, system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    // The documented behaviour: with include_usage every chunk has `usage: null`, and a last chunk holds the usage.
    ...(withUsage ? { usage: null } : {}),
  });
  const events = [];
  if (tool) {
    events.push({ data: chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_weather_2', type: 'function', function: { name: 'get_weather', arguments: '' } }] }) });
    events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }) });
    events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }) });
    events.push({ data: chunk({}, 'tool_calls') });
  } else {
    events.push({ data: chunk({ role: 'assistant', content: '' }) });
    for (const word of many === undefined ? WORDS : Array.from({ length: many }, () => ' tok')) events.push({ data: chunk({ content: word }) });
    events.push({ data: chunk({}, 'stop') });
  }
  if (withUsage) {
    events.push({ data: { id: 'chatcmpl-fake-2', object: 'chat.completion.chunk', created: CREATED, model: `${model}-2024-07-18`, system_fingerprint: 'fp_fake', choices: [], usage } });
  }
  events.push({ data: '[DONE]' });
  return sendEvents(res, events, waitGate);
}

function responseObject(model, tool, status) {
  const output = tool
    ? [{ type: 'function_call', id: 'fc_1', call_id: 'call_lookup_1', name: 'lookup_order', arguments: '{"id":42}', status: 'completed' }]
    : [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: WORDS.join(''), annotations: [] }] }];
  return {
    id: 'resp_fake_1', object: 'response', created_at: CREATED, status, model: `${model}-2025-04-14`, output,
    incomplete_details: null, error: null, parallel_tool_calls: true, tool_choice: 'auto', tools: [], temperature: 1, top_p: 1,
    usage: status === 'completed' ? { input_tokens: 13, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18 } : null,
  };
}

function responses(res, body, scenario, waitGate) {
  const tool = scenario === 'tool';
  if (!body.stream) return sendJson(res, responseObject(body.model, tool, 'completed'));
  const events = [{ event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: responseObject(body.model, tool, 'in_progress') } }];
  let seq = 1;
  if (tool) {
    events.push({ event: 'response.output_item.added', data: { type: 'response.output_item.added', sequence_number: seq++, output_index: 0, item: { type: 'function_call', id: 'fc_1', call_id: 'call_lookup_1', name: 'lookup_order', arguments: '', status: 'in_progress' } } });
    events.push({ event: 'response.function_call_arguments.delta', data: { type: 'response.function_call_arguments.delta', sequence_number: seq++, item_id: 'fc_1', output_index: 0, delta: '{"id":42}' } });
  } else {
    for (const word of WORDS) {
      events.push({ event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: seq++, item_id: 'msg_1', output_index: 0, content_index: 0, delta: word } });
    }
  }
  events.push({ event: 'response.completed', data: { type: 'response.completed', sequence_number: seq++, response: responseObject(body.model, tool, 'completed') } });
  return sendEvents(res, events, waitGate);
}

function messages(res, body, scenario, waitGate) {
  const model = body.model;
  const tool = scenario === 'tool';
  const content = tool
    ? [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_fake_1', name: 'get_weather', input: { city: 'Paris' } }]
    : [{ type: 'text', text: WORDS.join('') }];
  const stopReason = tool ? 'tool_use' : 'end_turn';
  if (!body.stream) {
    return sendJson(res, {
      id: 'msg_fake_1', type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null,
      usage: { input_tokens: 21, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
    });
  }
  const events = [{ event: 'message_start', data: { type: 'message_start', message: {
    id: 'msg_fake_2', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
    usage: { input_tokens: 21, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 } } } }];
  events.push({ event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } });
  const words = tool ? ['Let me', ' check.'] : WORDS;
  for (const word of words) events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } } });
  events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } });
  if (tool) {
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_fake_2', name: 'get_weather', input: {} } } });
    events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } } });
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } });
  }
  events.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 9 } } });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return sendEvents(res, events, waitGate);
}
