/**
 * LLM call settings (the openai and anthropic instrumentations):
 *   TRACEKIT_LLM_CAPTURE_CONTENT (default false): record prompts and completions as span events (truncated,
 *   capped per span, PII-scrubbed); off by default because prompts routinely hold personal data;
 *   TRACEKIT_LLM_STREAM_USAGE (default true): a streamed chat completion whose request sets no `stream_options`
 *   is sent with `stream_options.include_usage`, so its span gets token counts; turned off for OpenAI-compatible
 *   servers that reject the option.
 */
import { booleanReader } from './parse.js';

export interface LlmConfig {
  readonly captureContent: boolean;
  readonly streamUsage: boolean;
}

export function readLlmConfig(get: (name: string) => string | undefined, warn: (message: string) => void, show: (value: string) => string): LlmConfig {
  const flag = booleanReader(get, warn, show);
  return { captureContent: flag('TRACEKIT_LLM_CAPTURE_CONTENT', false), streamUsage: flag('TRACEKIT_LLM_STREAM_USAGE', true) };
}
