/**
 * OpenAI chat completions (`client.chat.completions.create`), streamed or not. A streamed answer is a sequence
 * of `chat.completion.chunk` objects whose choices carry deltas; tool calls arrive in pieces keyed by their
 * index (id and name in the first piece). Usage comes only in a last chunk with no choices, and only when the
 * request asked for it (`stream_options.include_usage`).
 */
import type { LlmAdapter, LlmCall } from './call.js';

interface Choice {
  index?: number;
  finish_reason?: unknown;
  message?: { content?: unknown; tool_calls?: unknown };
  delta?: { content?: unknown; tool_calls?: unknown };
}

interface ToolCallDelta {
  index?: number;
  id?: unknown;
  function?: { name?: unknown };
}

export const openaiChat: LlmAdapter = {
  provider: 'openai',

  request(call, body) {
    const span = call.span;
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    if (typeof maxTokens === 'number') span.setAttribute('gen_ai.request.max_tokens', maxTokens);
    if (typeof body.temperature === 'number') span.setAttribute('gen_ai.request.temperature', body.temperature);
    if (call.content !== undefined && Array.isArray(body.messages)) {
      call.content.input(span, body.messages.map((m: { role?: unknown; content?: unknown; tool_calls?: unknown }) => ({
        role: typeof m?.role === 'string' ? m.role : 'user',
        content: m?.content ?? m?.tool_calls,
      })));
    }
  },

  response(call, data) {
    const completion = data as { id?: unknown; model?: unknown; choices?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
    if (completion === null || typeof completion !== 'object') return;
    call.setResponse(completion.id, completion.model);
    call.usage(completion.usage?.prompt_tokens, completion.usage?.completion_tokens);
    if (!Array.isArray(completion.choices)) return;
    const reasons: string[] = [];
    for (const choice of completion.choices as Choice[]) {
      if (typeof choice?.finish_reason === 'string') reasons.push(choice.finish_reason);
      const tools = choice?.message?.tool_calls;
      if (Array.isArray(tools)) for (const tool of tools as ToolCallDelta[]) call.toolCall(tool?.function?.name, tool?.id);
      call.content?.output(call.span, choice?.index ?? 0, typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined,
        choice?.message?.content ?? tools);
    }
    call.span.setAttribute('gen_ai.response.finish_reasons', reasons);
  },

  chunk(call, value) {
    const chunk = value as { id?: unknown; model?: unknown; choices?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null };
    if (chunk === null || typeof chunk !== 'object') return;
    if (!call.span.attributes['gen_ai.response.id']) call.setResponse(chunk.id, chunk.model);
    if (chunk.usage != null) call.usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens);
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices as Choice[]) {
      const delta = choice?.delta;
      if (delta !== undefined && delta !== null) {
        call.appendText(delta.content);
        if (Array.isArray(delta.tool_calls)) {
          for (const piece of delta.tool_calls as ToolCallDelta[]) {
            const tool = call.tool(piece?.index ?? 0);
            if (typeof piece?.id === 'string') tool.id = piece.id;
            if (typeof piece?.function?.name === 'string') tool.name = piece.function.name;
          }
        }
      }
      call.finishReason(choice?.finish_reason);
    }
  },
};
