/**
 * One LLM call: its CLIENT span (`chat {model}`, GenAI semantic-convention attributes) and what is learnt about
 * it until it ends. The provider adapters (openai-chat.ts, openai-responses.ts, anthropic-messages.ts) read the
 * request, the parsed response or each streamed chunk and report here; api-promise.ts and stream.ts decide when
 * the call is over.
 */
import { SpanKind, SpanStatusCode } from '../../trace/api.js';
import type { Attributes, Context } from '@opentelemetry/api';
import { Span, errorMessage } from '../../trace/span.js';
import { startSpan } from '../../trace/tracer.js';
import type { AgentRuntime } from '../types.js';
import type { InstrumentationScope } from '../../trace/types.js';
import type { ContentRecorder } from './content.js';
import { urlParts } from '../url-parts.js';

export interface ToolCall {
  id?: string;
  name?: string;
}

/** Everything a provider adapter needs, besides the call itself. */
export interface LlmAdapter {
  readonly provider: 'openai' | 'anthropic';
  /** gen_ai.request.* from the request body; the prompt when content is captured. */
  request(call: LlmCall, body: Record<string, unknown>): void;
  /** A whole (non-streamed) answer. */
  response(call: LlmCall, data: unknown): void;
  /** One streamed chunk or event. */
  chunk(call: LlmCall, chunk: unknown): void;
}

export class LlmCall {
  ended = false;
  /** The request asked for a stream (`stream: true`). */
  stream = false;
  /** The response body is being parsed (someone awaited the call): the span ends with the parsed data. */
  parsing = false;
  /** When the HTTP response arrived (the end of a call whose answer is never parsed). */
  responseAt: number | undefined = undefined;
  /** The stream handed to the app has been iterated at least once. */
  iterated = false;
  /** Streamed: what has arrived so far, reported when the stream ends. */
  finishReasons: string[] | undefined = undefined;
  /** Streamed tool calls by index, made on the first one (most calls have none). */
  tools: Map<number | string, ToolCall> | undefined = undefined;
  text = '';
  /** Set when the agent asked for stream usage: the usage-only chunk and the `usage: null` fields are its own. */
  readonly addedUsage: boolean;

  constructor(
    readonly span: Span,
    readonly adapter: LlmAdapter,
    readonly content: ContentRecorder | undefined,
    addedUsage: boolean,
  ) {
    this.addedUsage = addedUsage;
  }

  setResponse(id: unknown, model: unknown): void {
    if (typeof id === 'string') this.span.setAttribute('gen_ai.response.id', id);
    if (typeof model === 'string') this.span.setAttribute('gen_ai.response.model', model);
  }

  usage(input: unknown, output: unknown): void {
    if (typeof input === 'number') this.span.setAttribute('gen_ai.usage.input_tokens', input);
    if (typeof output === 'number') this.span.setAttribute('gen_ai.usage.output_tokens', output);
  }

  toolCall(name: unknown, id: unknown): void {
    const attributes: Attributes = {};
    if (typeof name === 'string') attributes['gen_ai.tool.name'] = name;
    if (typeof id === 'string') attributes['gen_ai.tool.call.id'] = id;
    this.span.addEvent('gen_ai.tool.call', attributes);
  }

  /** Accumulates streamed text for content capture, never past what would be recorded. */
  appendText(delta: unknown): void {
    if (this.content !== undefined && typeof delta === 'string' && this.text.length < 16_384) this.text += delta;
  }

  /** The streamed tool call at `key` (an index), made on first sight. */
  tool(key: number | string): ToolCall {
    const tools = (this.tools ??= new Map());
    let tool = tools.get(key);
    if (tool === undefined) tools.set(key, (tool = {}));
    return tool;
  }

  finishReason(reason: unknown): void {
    if (typeof reason === 'string') (this.finishReasons ??= []).push(reason);
  }

  /** Ends a streamed call: the accumulated finish reasons, tool calls and completion text. */
  endStream(abandoned: boolean): void {
    if (this.ended) return;
    if (this.finishReasons !== undefined) this.span.setAttribute('gen_ai.response.finish_reasons', this.finishReasons);
    const tools = this.tools === undefined ? [] : [...this.tools.values()];
    for (const tool of tools) this.toolCall(tool.name, tool.id);
    if (this.content !== undefined && (this.text !== '' || tools.length > 0)) {
      this.content.output(this.span, 0, this.finishReasons?.[0], this.text !== '' ? this.text : tools);
    }
    if (abandoned) this.span.setAttribute('tracekit.llm.stream.abandoned', true);
    this.end();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.span.recordException(error as Error);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    this.span.setAttribute('error.type', errorType(error));
    this.end();
  }

  end(time?: number): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end(time);
  }
}

/** The error's class name (`RateLimitError`, `APIConnectionTimeoutError`): low-cardinality, as `error.type` wants. */
export function errorType(error: unknown): string {
  try {
    const name = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
  } catch {
    // A hostile error object: fall through.
  }
  return '_OTHER';
}

/** server.address / server.port of a client's base URL (the port only when the URL names one). */
export function serverAttributes(baseURL: unknown, attributes: Attributes): void {
  if (typeof baseURL !== 'string') return;
  const parts = urlParts(baseURL);
  if (parts === undefined || parts.host === '') return;
  attributes['server.address'] = parts.host;
  if (parts.port !== '') attributes['server.port'] = Number(parts.port);
}

/** Starts the call's span in `parent`; undefined when tracing is suppressed or the span is not sampled. */
export function startLlmSpan(runtime: AgentRuntime, scope: InstrumentationScope, parent: Context, provider: string,
  model: unknown, baseURL: unknown): Span | undefined {
  const attributes: Attributes = { 'gen_ai.provider.name': provider, 'gen_ai.operation.name': 'chat' };
  if (typeof model === 'string') attributes['gen_ai.request.model'] = model;
  serverAttributes(baseURL, attributes);
  const name = typeof model === 'string' ? `chat ${model}` : 'chat';
  const span = startSpan(runtime.core, scope, parent, name, SpanKind.CLIENT, attributes);
  return span instanceof Span && span.isRecording() ? span : undefined;
}
