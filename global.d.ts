// `import '@tracekit/agent/global'` (or `/// <reference types="@tracekit/agent/global" />`) declares the global
// handle the agent installs when preloaded with `node --import @tracekit/agent/register`.
import type { TracekitHandle } from './dist/types/index.js';

declare global {
  // eslint-disable-next-line no-var
  var tracekit: TracekitHandle;
}

export {};
