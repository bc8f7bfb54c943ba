// Must NOT compile: test/unit/types.test.mjs runs `tsc -p test/types/invalid/tsconfig.json` and expects exactly the
// errors marked `// error TSnnnn` below, on those lines (and no others), so the type test cannot pass vacuously.
import { tracekit } from '@tracekit/agent';
import '@tracekit/agent/global';

const span = tracekit.startSpan('s');
tracekit.endSpan(span, {}, 'MAYBE'); // error TS2345
tracekit.counter('c').add('3'); // error TS2345
tracekit.gauge('g').record(1); // error TS2339
tracekit.histogram('h').inc(); // error TS2339
tracekit.counter('c', { nested: { no: 1 } }); // error TS2322
const client: object = tracekit.getSnapshotClient(); // error TS2322
const n: number = tracekit.withSpan('w', async () => 1); // error TS2322
tracekit.enabled = false; // error TS2540
globalThis.tracekit.startSpan(); // error TS2554
tracekit.recordException(); // error TS2554
void client;
void n;
