'use strict';
// One measurement of bench/logs-pino.mjs: COUNT pino log calls inside one active span, to /dev/null; prints
// `NS_PER_LOG <n>` (CPU ns per call). Under no agent the API's tracer is a no-op (no span), which is the baseline.
const { trace } = require('@opentelemetry/api');
const pino = require('pino');

const count = Number(process.env.COUNT ?? 200_000);
// LINE_WITH_FIELDS=1 (no agent): pino itself writes the same four fields, through its bindings, so the line is as
// long as the agent's: the part of the agent's cost that is only the longer line.
const options = process.env.LINE_WITH_FIELDS === '1'
  ? { base: { pid: process.pid, hostname: require('node:os').hostname(), trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01', 'service.name': 'bench' } }
  : {};
const logger = pino(options, pino.destination({ dest: '/dev/null', sync: true }));
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
