/**
 * Starts the agent: configuration → OpenTelemetry globals (context manager, propagator, tracer provider) →
 * exporter → instrumentations → Local UI detection → shutdown hooks. Called once by register.mjs / register.cjs.
 * Any failure here is caught by the caller: one line on stderr and the app runs untraced.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { maskApiKey, readConfig } from './config.js';
import { urlForMessage } from './config/endpoint.js';
import type { AgentConfig } from './config.js';
import { BatchSpanProcessor } from './export/batch-processor.js';
import { createTarget } from './export/http-sender.js';
import { TraceExporter } from './export/trace-exporter.js';
import type { Destination } from './export/trace-exporter.js';
import { InstrumentationInstaller } from './instrument/installer.js';
import { allDefinitions } from './instrument/extensions.js';
import type { AgentRuntime } from './instrument/types.js';
import { flushForShutdown, installLifecycle } from './lifecycle.js';
import type { Flushable } from './lifecycle.js';
import { createHandle } from './api/handle.js';
import type { TracekitHandle } from './api/types.js';
import { MetricsBuffer } from './metrics/buffer.js';
import { MetricRegistry } from './metrics/instruments.js';
import { OtlpMetricsEncoder } from './metrics/otlp-encode.js';
import { RuntimeMetrics } from './metrics/runtime.js';
import type { CodeMonitor } from './snapshots/monitor.js';
import { loadChunk } from './chunks.js';
import path from 'node:path';
import { toolProcess } from './guardrails.js';
import { LocalUiDetector } from './local-ui.js';
import { LogProcessor } from './logs/log-processor.js';
import { signalUrl } from './logs/signal-url.js';
import { debug, describeError, info, isDebug, setDebug, setSecrets, warn, warnOnce } from './log.js';
import { ModuleHooks, packageOf } from './module-hooks.js';
import { buildResource } from './resource.js';
import { AgentContextManager } from './trace/context-manager.js';
import { createSampler, describeSampler, followsLocalParent } from './trace/sampler.js';
import { AgentTracerProvider } from './trace/tracer.js';
import type { TracerCore } from './trace/tracer.js';
import type { InstrumentationScope } from './trace/types.js';
import { AGENT_VERSION } from './version.js';

export interface StartOptions {
  /** How the agent was loaded, for the debug summary. */
  entry: 'import' | 'require';
  /** Module names the ESM loader hooks were asked to wrap (register.mjs decides; empty when none were needed). */
  esmHooks?: string;
}

export interface RunningAgent {
  readonly config: AgentConfig;
  readonly processor: BatchSpanProcessor;
  readonly exporter: TraceExporter;
  readonly tracerProvider: AgentTracerProvider;
  readonly instrumentations: InstrumentationInstaller;
  readonly handle: TracekitHandle;
  /** The runtime-metrics collector when it runs (its own CPU time is read by bench/runtime-metrics-cost.mjs). */
  readonly runtimeMetrics: RuntimeMetrics | undefined;
  shutdown(): Promise<void>;
}

export function startAgent(options: StartOptions): RunningAgent | undefined {
  const { config, warnings, infos, secrets } = readConfig(process.env, { cwd: process.cwd() });
  setSecrets(secrets, maskApiKey);
  setDebug(config.debug);
  const tool = config.force ? undefined : toolProcess(process.argv[1]);
  if (tool !== undefined) {
    debug(`this process is ${tool} (${process.argv[1]}), not an app: the agent stays off here; TRACEKIT_FORCE=true traces it anyway`);
    return undefined;
  }
  for (const line of warnings) warn(line);
  if (!config.enabled) {
    // Off by OTEL_SDK_DISABLED or by TRACEKIT_ENABLED in a .env file (register.mjs sees only the environment):
    // silent unless TRACEKIT_DEBUG asks why nothing is traced.
    for (const line of infos) debug(line);
    return undefined;
  }
  for (const line of infos) info(line);

  const contextManager = new AgentContextManager();
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  const primary: Destination | undefined = config.traces.url === undefined ? undefined : {
    name: new URL(config.traces.url).origin,
    target: createTarget(config.traces.url, config.traces.headers, config.apiKeySource),
    format: config.traces.protocol,
  };
  const exporter = new TraceExporter(buildResource(config), primary, config.export.exportTimeoutMs);
  const processor = new BatchSpanProcessor(config.export, exporter, (batch) => exporter.export(batch));
  const core: TracerCore = {
    sampler: createSampler(config.sampler.type, config.sampler.ratio),
    followsLocalParent: followsLocalParent(config.sampler.type),
    sink: processor,
  };
  const tracerProvider = new AgentTracerProvider(core);

  // Someone else's OpenTelemetry SDK already owns the globals: two agents would double every span.
  if (!context.setGlobalContextManager(contextManager) || !trace.setGlobalTracerProvider(tracerProvider) ||
      !propagation.setGlobalPropagator(propagator)) {
    warn('another OpenTelemetry SDK is already registered in this process; the TraceKit agent stays off');
    return undefined;
  }

  // Log records exist only where they can go: the Local UI (development) or, on request, the endpoint.
  const logsUrl = config.logs.export && config.traces.url !== undefined ? signalUrl(config.traces.url, 'logs') : undefined;
  const logProcessor = logsUrl !== undefined || config.localUi.enabled
    ? new LogProcessor(buildResource(config), logsUrl === undefined ? undefined : createTarget(logsUrl, config.traces.headers, config.apiKeySource), config.export.exportTimeoutMs, AGENT_VERSION)
    : undefined;

  const scopes = new Map<string, InstrumentationScope>();
  const hooks = new ModuleHooks((name, error) => warnOnce(`hook:${name}`, `could not instrument ${name}: ${describeError(error)}`));
  const runtime: AgentRuntime = {
    config,
    core,
    contextManager,
    scope(name) {
      let scope = scopes.get(name);
      if (scope === undefined) scopes.set(name, (scope = { name, version: AGENT_VERSION }));
      return scope;
    },
    logSink: logProcessor,
  };
  const instrumentations = new InstrumentationInstaller(runtime, hooks);
  instrumentations.install(allDefinitions());
  hooks.install();

  const metricsFormat = config.metricsFormat;
  const otlpMetrics = metricsFormat.kind === 'otlp' ? new OtlpMetricsEncoder(config.serviceName, metricsFormat.temporality) : undefined;
  const metricsBuffer = new MetricsBuffer(
    config.serviceName,
    config.metricsUrl === undefined ? undefined : createTarget(config.metricsUrl, config.metricsHeaders, config.apiKeySource),
    config.metricsFlushIntervalMs,
    otlpMetrics === undefined ? undefined : (points) => otlpMetrics.encode(points),
    config.localUi.enabled,
  );
  const metricRegistry = new MetricRegistry(metricsBuffer);
  // Only where metrics go somewhere: collecting them for nobody would be pure cost.
  const runtimeMetrics = config.runtimeMetrics.enabled && (config.metricsUrl !== undefined || config.localUi.enabled)
    ? new RuntimeMetrics(metricRegistry, config.runtimeMetrics.intervalMs)
    : undefined;
  runtimeMetrics?.start();
  let localUi: LocalUiDetector | undefined;
  if (config.localUi.enabled) {
    localUi = new LocalUiDetector(config.localUi.url, config.localUi.probeIntervalMs, (present) => {
      exporter.setLocalUi(present && localUi !== undefined ? {
        name: 'Local UI',
        // Never the API key: the Local UI gets no auth headers at all.
        target: createTarget(localUi.tracesUrl, {}),
        format: 'http/json',
      } : undefined);
      logProcessor?.setLocalUi(present && localUi !== undefined ? createTarget(signalUrl(localUi.tracesUrl, 'logs'), {}) : undefined);
      metricsBuffer.setLocalUi(present && localUi !== undefined ? createTarget(signalUrl(localUi.tracesUrl, 'metrics'), {}) : undefined);
    });
    exporter.onLocalUiLost = () => localUi?.markGone();
    // Development without a key: the Local UI is where everything would go. Say once how to start it.
    if (config.apiKey === undefined) {
      localUi.onFirstMiss = () => info(`no Local UI at ${config.localUi.url}: spans, metrics and logs of this development run go nowhere; ` +
        'start one with: npx tracekit-local (it is found within one probe interval)');
    }
    localUi.start();
  }

  const monitor = startCodeMonitor(config);
  const flushable: Flushable = {
    processor,
    exporter,
    extraFlushes: [() => metricsBuffer.flush(), () => exporter.flushSideSends(), () => monitor?.flush() ?? Promise.resolve(),
      () => logProcessor?.flush() ?? Promise.resolve()],
    exitRequests: [() => metricsBuffer.exitRequests()],
    hasPendingWork: () => processor.pending > 0 || processor.isExporting || metricsBuffer.pending > 0 || (monitor?.uploading ?? false),
  };
  const removeLifecycle = installLifecycle(flushable);

  let stopped = false;
  const shutdown = async () => {
    if (stopped) return;
    stopped = true;
    removeLifecycle();
    localUi?.stop();
    runtimeMetrics?.stop();
    instrumentations.stop();
    hooks.uninstall();
    // Spans, metrics, log records and pending snapshot uploads, all within the one shutdown budget.
    await flushForShutdown(flushable);
    logProcessor?.stop();
    processor.stop();
    metricsBuffer.stop();
    monitor?.stop();
  };
  const handle = createHandle({
    tracer: tracerProvider.getTracer('tracekit', AGENT_VERSION),
    metrics: metricRegistry,
    flush: () => Promise.all([processor.flush(), metricsBuffer.flush(), monitor?.flush()]).then(() => undefined),
    shutdown,
    snapshots: () => monitor ?? null,
  });
  installGlobalHandle(handle);

  if (isDebug()) debug(summary(config, instrumentations, options, localUi));
  warnAboutPreloadedModules(hooks.moduleNames);
  if (!exporter.hasDestination && !config.localUi.enabled) {
    debug('no export destination: spans are created for context propagation but not sent');
  }

  return {
    config,
    processor,
    exporter,
    tracerProvider,
    instrumentations,
    handle,
    runtimeMetrics,
    shutdown,
  };
}

const HANDLE_KEY = Symbol.for('tracekit.handle');

/** `globalThis.tracekit` for code that uses the global; the symbol for `import { tracekit } from '@tracekit/agent'`. */
function installGlobalHandle(handle: TracekitHandle): void {
  const g = globalThis as typeof globalThis & { tracekit?: unknown; [HANDLE_KEY]?: TracekitHandle };
  g[HANDLE_KEY] = handle;
  if (g.tracekit === undefined) {
    Object.defineProperty(g, 'tracekit', { value: handle, writable: true, configurable: true, enumerable: false });
  } else {
    warn('globalThis.tracekit is already defined by the app; the handle is available through import { tracekit } from \'@tracekit/agent\'');
  }
}

function summary(config: AgentConfig, instrumentations: InstrumentationInstaller, options: StartOptions, localUi: LocalUiDetector | undefined): string {
  const endpoint = config.traces.url === undefined ? 'none (nothing is sent to a backend)' : urlForMessage(config.traces.url);
  return [
    `@tracekit/agent ${AGENT_VERSION} on Node.js ${process.versions.node} (loaded with --${options.entry})`,
    `  service: ${config.serviceName}${config.serviceVersion ? `@${config.serviceVersion}` : ''}${config.environment ? ` [${config.environment}]` : ''}`,
    `  endpoint: ${endpoint} (${config.traces.protocol}), API key: ${config.maskedApiKey ?? 'not set'}`,
    `  sampler: ${describeSampler(config.sampler.type, config.sampler.ratio)}`,
    `  instrumentations: ${instrumentations.installed.map((i) => (i.status === 'active' ? i.name : `${i.name} (until its library loads)`)).join(', ') || 'none'}`,
    `  ESM loader hooks: ${options.esmHooks || 'not needed (instrumented packages are reached through require)'}`,
    `  code monitoring: ${config.codeMonitoring.enabled ? `on (PII scrubbing ${config.codeMonitoring.piiScrubbing ? 'on' : 'off'})` : 'off'}`,
    `  Local UI: ${localUi === undefined ? 'off (not development)' : `probing ${localUi.healthUrl.origin} every ${config.localUi.probeIntervalMs / 1000} s`}`,
  ].join('\n');
}

/**
 * Modules already in require.cache were loaded before the agent (a `--require` that runs first, say) and missed
 * their patch: their spans would silently lack what the patch adds (route names, for Express). Always said, once
 * per package, with the fix.
 */
function warnAboutPreloadedModules(names: string[]): void {
  const packages = new Set(names.map(packageOf));
  const loaded = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    for (const pkg of packages) {
      if (file.includes(`/node_modules/${pkg}/`)) loaded.add(pkg);
    }
  }
  if (loaded.size === 0) return;
  const list = [...loaded].join(', ');
  warnOnce('preloaded', `${list} ${loaded.size === 1 ? 'was' : 'were'} loaded before the agent started, so ${loaded.size === 1 ? 'it is' : 'they are'} not instrumented ` +
    `(spans lack what the agent adds for ${loaded.size === 1 ? 'it' : 'them'}, such as route names); load the agent first: put --import @tracekit/agent/register ` +
    `(or -r @tracekit/agent/register) before any other --require or --import`);
}

/**
 * Code monitoring (snapshots), when it is on and has somewhere to poll. Its code is a file of its own, loaded
 * only here, since most apps run without it; should that file fail to load, tracing goes on without it.
 */
function startCodeMonitor(config: AgentConfig): CodeMonitor | undefined {
  const monitoringLocal = config.codeMonitoring.local;
  const monitoringBase = monitoringLocal ? config.localUi.url : config.baseUrl;
  if (!config.codeMonitoring.enabled || monitoringBase === undefined || (!monitoringLocal && config.apiKey === undefined)) return undefined;
  let Monitor: typeof CodeMonitor;
  try {
    ({ CodeMonitor: Monitor } = loadChunk<typeof import('./snapshots/monitor.js')>('snapshots'));
  } catch (error) {
    warn(`code monitoring could not start (${describeError(error)}); tracing goes on without it`);
    return undefined;
  }
  const monitor = new Monitor({
    baseUrl: monitoringBase,
    // The Local UI never gets the key.
    apiKey: monitoringLocal ? undefined : config.apiKey,
    apiKeyVariable: config.apiKeySource,
    serviceName: config.serviceName,
    pollIntervalMs: config.codeMonitoring.pollIntervalMs,
    killSwitchPollIntervalMs: config.codeMonitoring.killSwitchPollIntervalMs,
    breakerCooldownMs: config.codeMonitoring.breakerCooldownMs,
    sseSilenceMs: config.codeMonitoring.sseSilenceMs,
    piiScrubbing: config.codeMonitoring.piiScrubbing,
    piiExtraNames: config.codeMonitoring.piiExtraNames,
    // The bundle's own directory: frames from there are never a user's call site.
    agentPaths: [path.dirname(__filename) + path.sep],
  });
  monitor.start();
  return monitor;
}
