'use strict';
// One measurement of bench/logs-pino.mjs: COUNT pino log calls inside one active span, to /dev/null; prints
// `NS_PER_LOG <n>` (CPU ns per call). Under no agent the API's tracer is a no-op (no span), which is the baseline.
const { trace } = require('@opentelemetry/api');
const pino = require('pino');

const count = Number(process.env.COUNT ?? 200_000);
const logger = pino(pino.destination({ dest: '/dev/null', sync: true }));
trace.getTracer('bench').startActiveSpan('log loop', (span) => {
  for (let i = 0; i < 20_000; i++) logger.info({ i, user: 'ada' }, 'warm-up');
  // CPU time, not wall time: on a shared machine the process is often preempted, which wall time would count.
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) logger.info({ i, user: 'ada' }, 'order placed');
  const used = process.cpuUsage(started);
  const ns = ((used.user + used.system) * 1000) / count;
  span.end();
  process.stdout.write(`NS_PER_LOG ${ns.toFixed(1)}\n`);
});
