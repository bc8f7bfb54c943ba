/**
 * openai 4-7: a CLIENT span per chat completion and per Responses API call (llm/). The row hooks the package's
 * main module and reaches the resource classes through the client class's static properties
 * (`OpenAI.Chat.Completions`, `OpenAI.Responses`), which every major from 4 to 7 has. That is what makes ESM apps
 * work too: the package ships a separate ESM build whose files import each other without `require`, so no
 * internal file is ever seen by the require hook; the main module is intercepted through the ESM loader hooks
 * instead (`esm: true`), and both builds are patched the same way.
 */
import { defineInstrumentation } from './definition.js';
import { createWrapper } from './llm/create-wrapper.js';
import type { WrapCreate } from './llm/create-wrapper.js';
import { openaiChat } from './llm/openai-chat.js';
import { openaiResponses } from './llm/openai-responses.js';

interface ClientClass {
  Chat?: { Completions?: { prototype?: unknown } };
  Responses?: { prototype?: unknown };
}

export const openai = defineInstrumentation<WrapCreate>({
  name: 'openai',
  enabledByDefault: true,
  modules: [{ module: 'openai', versions: '>=4 <8', esm: true, patch: patchOpenAI }],
  create: (runtime, guard) => createWrapper(runtime, guard, '@tracekit/agent/openai'),
});

function patchOpenAI(exports: unknown, wrapCreate: WrapCreate): unknown {
  const holder = exports as { OpenAI?: ClientClass; default?: ClientClass } | undefined;
  const client = holder?.OpenAI ?? holder?.default;
  if (client === undefined) throw new Error('openai exports no OpenAI class');
  wrapCreate(client.Chat?.Completions?.prototype, openaiChat, { addStreamUsage: true });
  wrapCreate(client.Responses?.prototype, openaiResponses, { addStreamUsage: false });
  return exports;
}
