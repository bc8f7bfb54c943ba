/**
 * Node.js runtime metrics, one point per metric per interval (default 10 s), recorded through the same instruments
 * as `tracekit.gauge`/`histogram`, so they travel in the same batches and wire format. Names follow
 * OpenTelemetry's semantic conventions; durations are seconds, sizes bytes, utilizations ratios from 0 to 1:
 *
 *   nodejs.eventloop.delay.{min,max,mean,p50,p90,p99}  s      perf_hooks.monitorEventLoopDelay, reset each interval
 *   nodejs.eventloop.utilization                       ratio  performance.eventLoopUtilization over the interval
 *   v8js.gc.duration {v8js.gc.type}                    s      total GC pause of the interval per type (one point each)
 *   v8js.memory.heap.used / v8js.memory.heap.limit     bytes  v8.getHeapStatistics
 *   process.cpu.utilization                            ratio  process.cpuUsage over the interval / (interval × CPUs)
 *   process.memory.usage                               bytes  resident set size
 *
 * Nothing runs at start-up: perf_hooks and v8 are loaded, and the monitors started, on the first turn of the event
 * loop after the agent started; every timer is unref'd, so collection never keeps the process alive.
 */
import { nodeRequire } from '../node-require.js';
import type { MetricRegistry } from './instruments.js';

type PerfHooks = typeof import('node:perf_hooks');
type V8 = typeof import('node:v8');
type Os = typeof import('node:os');

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

export class RuntimeMetrics {
  private timer: NodeJS.Timeout | undefined = undefined;
  private starter: NodeJS.Immediate | undefined = undefined;
  private stopMonitors: (() => void) | undefined = undefined;
  /** CPU time the collection itself used (µs), for the benchmark of its cost. */
  ownCpuMicros = 0;

  constructor(
    private readonly registry: MetricRegistry,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.starter = setImmediate(() => this.begin());
    this.starter.unref();
  }

  stop(): void {
    if (this.starter !== undefined) clearImmediate(this.starter);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stopMonitors?.();
    this.timer = undefined;
    this.stopMonitors = undefined;
  }

  private begin(): void {
    const perfHooks = nodeRequire('node:perf_hooks') as PerfHooks;
    const v8 = nodeRequire('node:v8') as V8;
    const os = nodeRequire('node:os') as Os;
    const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length || 1;
    const delay = perfHooks.monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const gcPauses = new Map<string, number>();
    const observer = new perfHooks.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_KINDS[(entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
        gcPauses.set(kind, (gcPauses.get(kind) ?? 0) + entry.duration / 1000);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    this.stopMonitors = () => {
      delay.disable();
      observer.disconnect();
    };
    const { performance } = perfHooks;
    let lastElu = performance.eventLoopUtilization();
    let lastCpu = process.cpuUsage();
    let lastTime = performance.now();
    const r = this.registry;
    const gauge = (name: string, value: number) => {
      if (Number.isFinite(value)) r.gauge(name).set(value);
    };
    const collect = () => {
      const ownStart = process.cpuUsage();
      const now = performance.now();
      const elapsedMs = now - lastTime;
      lastTime = now;
      if (delay.count > 0) {
        gauge('nodejs.eventloop.delay.min', delay.min / 1e9);
        gauge('nodejs.eventloop.delay.max', delay.max / 1e9);
        gauge('nodejs.eventloop.delay.mean', delay.mean / 1e9);
        gauge('nodejs.eventloop.delay.p50', delay.percentile(50) / 1e9);
        gauge('nodejs.eventloop.delay.p90', delay.percentile(90) / 1e9);
        gauge('nodejs.eventloop.delay.p99', delay.percentile(99) / 1e9);
      }
      delay.reset();
      const elu = performance.eventLoopUtilization(lastElu);
      lastElu = performance.eventLoopUtilization();
      gauge('nodejs.eventloop.utilization', elu.utilization);
      for (const [kind, seconds] of gcPauses) r.histogram('v8js.gc.duration', { 'v8js.gc.type': kind }).record(seconds);
      gcPauses.clear();
      const heap = v8.getHeapStatistics();
      gauge('v8js.memory.heap.used', heap.used_heap_size);
      gauge('v8js.memory.heap.limit', heap.heap_size_limit);
      const cpu = process.cpuUsage(lastCpu);
      lastCpu = process.cpuUsage();
      gauge('process.cpu.utilization', (cpu.user + cpu.system) / 1000 / (elapsedMs * cpus));
      gauge('process.memory.usage', process.memoryUsage.rss());
      const own = process.cpuUsage(ownStart);
      this.ownCpuMicros += own.user + own.system;
    };
    this.timer = setInterval(collect, this.intervalMs);
    this.timer.unref();
  }
}
