// Type test: the global handle in a script file (no imports) through the documented triple-slash reference.
// TypeScript resolves `/// <reference types>` only from node_modules (never by the package's own name), so this file
// is compiled by test/unit/types.test.mjs in a scratch project where node_modules/@tracekit/agent links to this
// repo, as an app that installed the package sees it; it is not part of test/types/tsconfig.json.
/// <reference types="@tracekit/agent/global" />

tracekit.counter('ref.counter', { route: '/users/:id' }).inc();
tracekit.gauge('ref.gauge').set(1);
tracekit.histogram('ref.histogram').record(2);
const refSpan = tracekit.startSpan('ref.span', { k: 'v' });
tracekit.recordException(refSpan, new Error('x'));
tracekit.endSpan(refSpan, { done: true }, 'OK');
const refValue: number = tracekit.withSpan('ref.with', () => 1);
void tracekit.flush().then(() => tracekit.shutdown());
const refClient: typeof tracekit = tracekit.getClient();
tracekit.captureSnapshot('ref', { refValue });
const refEnabled: boolean = tracekit.enabled;
const refSnapshots = tracekit.getSnapshotClient();
void refClient;
void refEnabled;
void refSnapshots;
