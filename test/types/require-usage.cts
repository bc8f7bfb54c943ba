// Type test: the CommonJS entry (`require('@tracekit/agent')`) resolves to the same declarations.
import agent = require('@tracekit/agent');
import type { TracekitHandle } from '@tracekit/agent';

const handle: TracekitHandle = agent.tracekit;
const same: TracekitHandle = agent.default;
handle.counter('cjs.counter').add(1);
const n: number = same.withSpan('cjs.with', (span) => (span.isRecording() ? 1 : 0));
void n;
