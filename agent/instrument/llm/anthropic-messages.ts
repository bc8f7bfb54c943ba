/**
 * Anthropic messages (`client.messages.create`, and `client.beta.messages.create`), streamed or not. A stream
 * is `message_start` (id, model, input usage), content blocks (`content_block_start` names a tool_use block,
 * `content_block_delta` carries text), `message_delta` (stop reason, output usage) and `message_stop`.
 * Input tokens include cache reads and writes, which Anthropic counts apart, as the GenAI conventions ask.
 */
import type { LlmAdapter, LlmCall } from './call.js';

interface Usage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
}

interface Block {
  type?: unknown;
  id?: unknown;
  name?: unknown;
  text?: unknown;
}

function inputTokens(usage: Usage | undefined): number | undefined {
  if (usage === undefined || usage === null || typeof usage.input_tokens !== 'number') return undefined;
  let total = usage.input_tokens;
  if (typeof usage.cache_creation_input_tokens === 'number') total += usage.cache_creation_input_tokens;
  if (typeof usage.cache_read_input_tokens === 'number') total += usage.cache_read_input_tokens;
  return total;
}

export const anthropicMessages: LlmAdapter = {
  provider: 'anthropic',

  request(call, body) {
    const span = call.span;
    if (typeof body.max_tokens === 'number') span.setAttribute('gen_ai.request.max_tokens', body.max_tokens);
    if (typeof body.temperature === 'number') span.setAttribute('gen_ai.request.temperature', body.temperature);
    if (call.content === undefined) return;
    const messages: Array<{ role: string; content: unknown }> = [];
    if (body.system !== undefined) messages.push({ role: 'system', content: body.system });
    if (Array.isArray(body.messages)) {
      for (const m of body.messages as Array<{ role?: unknown; content?: unknown }>) {
        messages.push({ role: typeof m?.role === 'string' ? m.role : 'user', content: m?.content });
      }
    }
    call.content.input(span, messages);
  },

  response(call, data) {
    const message = data as { id?: unknown; model?: unknown; stop_reason?: unknown; usage?: Usage; content?: unknown };
    if (message === null || typeof message !== 'object') return;
    call.setResponse(message.id, message.model);
    call.usage(inputTokens(message.usage), message.usage?.output_tokens);
    if (typeof message.stop_reason === 'string') call.span.setAttribute('gen_ai.response.finish_reasons', [message.stop_reason]);
    const blocks = Array.isArray(message.content) ? (message.content as Block[]) : [];
    for (const block of blocks) if (block?.type === 'tool_use') call.toolCall(block.name, block.id);
    if (call.content !== undefined) {
      const text = blocks.filter((b) => b?.type === 'text').map((b) => b.text).join('');
      call.content.output(call.span, 0, typeof message.stop_reason === 'string' ? message.stop_reason : undefined,
        text !== '' ? text : blocks.filter((b) => b?.type === 'tool_use'));
    }
  },

  chunk(call: LlmCall, value) {
    const event = value as { type?: unknown; message?: { id?: unknown; model?: unknown; usage?: Usage }; index?: number;
      content_block?: Block; delta?: { type?: unknown; text?: unknown; stop_reason?: unknown }; usage?: Usage };
    if (event === null || typeof event !== 'object') return;
    switch (event.type) {
      case 'message_start':
        call.setResponse(event.message?.id, event.message?.model);
        call.usage(inputTokens(event.message?.usage), event.message?.usage?.output_tokens);
        break;
      case 'content_block_start':
        if (event.content_block?.type === 'tool_use') {
          const tool = call.tool(event.index ?? 0);
          tool.id = event.content_block.id as string;
          tool.name = event.content_block.name as string;
        }
        break;
      case 'content_block_delta':
        if (event.delta?.type === 'text_delta') call.appendText(event.delta.text);
        break;
      case 'message_delta':
        call.finishReason(event.delta?.stop_reason);
        // Cumulative: the last message_delta holds the final output count (and, on newer API versions, input).
        call.usage(inputTokens(event.usage), event.usage?.output_tokens);
        break;
    }
  },
};
