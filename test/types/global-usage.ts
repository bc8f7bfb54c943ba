// Type test: the global handle by its bare name `tracekit`, declared by `import '@tracekit/agent/global'` (what an
// app that relies on `node --import @tracekit/agent/register` writes). See global-reference.ts for the
// `/// <reference types>` form.
import '@tracekit/agent/global';
import type { Span, TracekitHandle } from '@tracekit/agent';

const handle: TracekitHandle = tracekit;
tracekit.counter('bare.counter', { route: '/users/:id' }).inc();
tracekit.counter('bare.counter').add(2);
tracekit.gauge('bare.gauge').set(1);
tracekit.gauge('bare.gauge').inc();
tracekit.gauge('bare.gauge').dec();
tracekit.histogram('bare.histogram').record(2);
const bareSpan: Span = tracekit.startSpan('bare.span', { k: 'v' });
tracekit.recordException(bareSpan, new Error('x'));
tracekit.endSpan(bareSpan, { done: true }, 'ERROR');
const bareValue: number = tracekit.withSpan('bare.with', () => 1);
const bareAsync: Promise<string> = tracekit.withSpan('bare.async', async () => 'v', { a: 1 });
void tracekit.flush().then(() => tracekit.shutdown());
const bareClient: TracekitHandle = tracekit.getClient();
tracekit.captureSnapshot('bare', { bareValue });
const enabled: boolean = tracekit.enabled;
const bareSnapshots = tracekit.getSnapshotClient();
bareSnapshots?.captureSnapshot('x');
void handle;
void bareAsync;
void bareClient;
void enabled;
