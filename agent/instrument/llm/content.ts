/**
 * Prompt and completion capture (TRACEKIT_LLM_CAPTURE_CONTENT=true): each message becomes one span event, its
 * text cut to 4 KiB of UTF-8 and passed through the snapshot PII scrubber, at most 20 messages per span. A long
 * conversation keeps its most recent prompt messages, so the question that was actually asked is never the one
 * dropped; room is left for the completion.
 */
import type { Span } from '../../trace/span.js';
import { PiiScrubber } from '../../snapshots/pii.js';

export const MAX_MESSAGE_BYTES = 4096;
export const MAX_MESSAGES = 20;
/** Slots kept free for the completion when the prompt alone would fill the span. */
const OUTPUT_RESERVE = 1;

const encoder = new TextEncoder();
const cut = new Uint8Array(MAX_MESSAGE_BYTES);

/** `text` cut to at most MAX_MESSAGE_BYTES of UTF-8, on a character boundary. */
export function truncateUtf8(text: string): { text: string; truncated: boolean } {
  // A string of N characters takes at most 3N bytes for BMP characters and 4 per surrogate pair (2 characters).
  if (text.length * 3 <= MAX_MESSAGE_BYTES) return { text, truncated: false };
  const { read } = encoder.encodeInto(text, cut);
  return read >= text.length ? { text, truncated: false } : { text: text.slice(0, read), truncated: true };
}

/** A message's content as text: strings as they are, anything else (content parts, tool input) as JSON. */
export function contentText(content: unknown): string | undefined {
  if (content == null) return undefined;
  if (typeof content === 'string') return content;
  try {
    return JSON.stringify(content);
  } catch {
    return undefined;
  }
}

export class ContentRecorder {
  private recorded = 0;

  constructor(private readonly scrubber: PiiScrubber | undefined) {}

  /** The prompt: `messages` in order (system first, if any); only the most recent ones when there are too many. */
  input(span: Span, messages: ReadonlyArray<{ role: string; content: unknown }>): void {
    const room = MAX_MESSAGES - OUTPUT_RESERVE - this.recorded;
    const start = Math.max(0, messages.length - room);
    if (start > 0) span.setAttribute('tracekit.llm.content.dropped_messages', start);
    for (let i = start; i < messages.length; i++) {
      const message = messages[i]!;
      this.add(span, `gen_ai.${eventRole(message.role)}.message`, message.content, { 'gen_ai.message.role': message.role });
    }
  }

  /** One completion choice (or the whole answer of APIs without choices). */
  output(span: Span, index: number, finishReason: string | undefined, content: unknown): void {
    const extra: Record<string, string | number> = { index };
    if (finishReason !== undefined) extra.finish_reason = finishReason;
    this.add(span, 'gen_ai.choice', content, extra);
  }

  private add(span: Span, name: string, content: unknown, extra: Record<string, string | number>): void {
    if (this.recorded >= MAX_MESSAGES) return;
    const raw = contentText(content);
    if (raw === undefined) return;
    // Cut first (scrubbing a megabyte prompt would cost the app), with slack so that a secret straddling the
    // 4 KiB mark is still recognised whole before the final cut.
    const sliced = raw.length > MAX_MESSAGE_BYTES * 2;
    let text = sliced ? raw.slice(0, MAX_MESSAGE_BYTES * 2) : raw;
    if (this.scrubber !== undefined) text = this.scrubber.scrubText(text).value;
    const result = truncateUtf8(text);
    this.recorded++;
    const attributes: Record<string, string | number | boolean> = { ...extra, 'gen_ai.message.content': result.text };
    if (sliced || result.truncated) attributes['gen_ai.message.truncated'] = true;
    span.addEvent(name, attributes);
  }
}

function eventRole(role: string): string {
  switch (role) {
    case 'system':
    case 'developer':
      return 'system';
    case 'assistant':
      return 'assistant';
    case 'tool':
    case 'function':
      return 'tool';
    default:
      return 'user';
  }
}
