/**
 * @anthropic-ai/sdk 0.39-1.x: a CLIENT span per messages call (llm/), replacing the span recent versions make on
 * their own (llm/anthropic-own-spans.ts). As for openai, the row hooks the main module (through the ESM loader
 * hooks too: the ESM build never `require`s its files) and reaches the resource classes through the client
 * class's static properties (`Anthropic.Messages`, `Anthropic.Beta.Messages`), present in every covered version.
 */
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { replaceOwnMessagesSpan } from './llm/anthropic-own-spans.js';
import { anthropicMessages } from './llm/anthropic-messages.js';
import { createWrapper } from './llm/create-wrapper.js';
import type { WrapCreate } from './llm/create-wrapper.js';

interface ClientClass {
  Messages?: { prototype?: unknown };
  Beta?: { Messages?: { prototype?: unknown } };
}

interface State {
  wrapCreate: WrapCreate;
  guard: Guard;
}

export const anthropic = defineInstrumentation<State>({
  name: 'anthropic',
  enabledByDefault: true,
  modules: [{ module: '@anthropic-ai/sdk', versions: '>=0.39 <2', esm: true, patch: patchAnthropic }],
  create: (runtime, guard) => ({ wrapCreate: createWrapper(runtime, guard, '@tracekit/agent/anthropic'), guard }),
});

function patchAnthropic(exports: unknown, state: State): unknown {
  const holder = exports as { Anthropic?: ClientClass; default?: ClientClass } | undefined;
  const client = holder?.Anthropic ?? holder?.default;
  if (client === undefined) throw new Error('@anthropic-ai/sdk exports no Anthropic class');
  state.wrapCreate(client.Messages?.prototype, anthropicMessages, { addStreamUsage: false });
  state.wrapCreate(client.Beta?.Messages?.prototype, anthropicMessages, { addStreamUsage: false });
  replaceOwnMessagesSpan(state.guard, client);
  return exports;
}
