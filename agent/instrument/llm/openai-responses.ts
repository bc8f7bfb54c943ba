/**
 * The OpenAI Responses API (`client.responses.create`), streamed or not. A streamed answer is a sequence of
 * typed events; `response.completed` (or `response.incomplete` / `response.failed`) carries the whole response,
 * usage included, so a stream ends up recorded exactly like a plain answer. Tool calls are `function_call`
 * output items.
 */
import type { LlmAdapter, LlmCall } from './call.js';

interface ResponseObject {
  id?: unknown;
  model?: unknown;
  status?: unknown;
  incomplete_details?: { reason?: unknown } | null;
  output?: unknown;
  output_text?: unknown;
  usage?: { input_tokens?: unknown; output_tokens?: unknown };
}

interface OutputItem {
  type?: unknown;
  name?: unknown;
  call_id?: unknown;
  content?: unknown;
}

function recordResponse(call: LlmCall, response: ResponseObject): void {
  call.setResponse(response.id, response.model);
  call.usage(response.usage?.input_tokens, response.usage?.output_tokens);
  const reason = response.incomplete_details?.reason ?? response.status;
  if (typeof reason === 'string') call.span.setAttribute('gen_ai.response.finish_reasons', [reason]);
  const items = Array.isArray(response.output) ? (response.output as OutputItem[]) : [];
  const texts: string[] = [];
  for (const item of items) {
    if (item?.type === 'function_call') call.toolCall(item.name, item.call_id);
    else if (item?.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content as Array<{ type?: unknown; text?: unknown }>) {
        if (part?.type === 'output_text' && typeof part.text === 'string') texts.push(part.text);
      }
    }
  }
  if (call.content !== undefined) {
    const tools = items.filter((item) => item?.type === 'function_call');
    call.content.output(call.span, 0, typeof reason === 'string' ? reason : undefined, texts.length > 0 ? texts.join('') : tools.length > 0 ? tools : undefined);
  }
}

export const openaiResponses: LlmAdapter = {
  provider: 'openai',

  request(call, body) {
    const span = call.span;
    if (typeof body.max_output_tokens === 'number') span.setAttribute('gen_ai.request.max_tokens', body.max_output_tokens);
    if (typeof body.temperature === 'number') span.setAttribute('gen_ai.request.temperature', body.temperature);
    if (call.content === undefined) return;
    const messages: Array<{ role: string; content: unknown }> = [];
    if (typeof body.instructions === 'string') messages.push({ role: 'system', content: body.instructions });
    if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
    else if (Array.isArray(body.input)) {
      for (const item of body.input as Array<{ role?: unknown; content?: unknown; type?: unknown; output?: unknown }>) {
        if (item?.type === 'function_call_output') messages.push({ role: 'tool', content: item.output });
        else messages.push({ role: typeof item?.role === 'string' ? item.role : 'user', content: item?.content ?? item });
      }
    }
    call.content.input(span, messages);
  },

  response(call, data) {
    if (data !== null && typeof data === 'object') recordResponse(call, data as ResponseObject);
  },

  chunk(call, value) {
    const event = value as { type?: unknown; response?: ResponseObject };
    if (event === null || typeof event !== 'object') return;
    const type = event.type;
    if ((type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') && event.response != null) {
      // The last event carries the whole response; the span still ends with the stream itself.
      recordResponse(call, event.response);
    } else if (type === 'response.created' && event.response != null) {
      call.setResponse(event.response.id, event.response.model);
    }
  },
};
