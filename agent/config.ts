/**
 * The agent's whole configuration, read once at start from environment variables and `${cwd}/.env`.
 * `readConfig` is pure: it never reads `process.env`, never logs and never throws; problems come back as
 * `warnings` (each invalid value named once, with the default used) and `infos` (decisions worth one line).
 * docs/configuration.md is the user-facing reference; helpers live in agent/config/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTraceKitUrl, resolveEndpoints } from './config/endpoint.js';
import { headerValue, isUsableApiKey, maskApiKey, mergeHeaders, parseHeaders } from './config/headers.js';
import { compileIgnorePaths } from './config/ignore-paths.js';
import { applyKeyPolicy } from './config/key-policy.js';
import { readResource } from './config/resource.js';
import { MAX_TIMER_MS, parseBoolean, parseKeyValueList, parsePositiveInteger, quote, splitList } from './config/parse.js';
import { readSampler, type SamplerConfig } from './config/sampler.js';
import { createLookup, type Env, type ReadFile } from './config/sources.js';
import { readInstrumentationLists } from './config/instrumentation-lists.js';
import { readLogsConfig } from './config/logs.js';
import type { LogsConfig } from './config/logs.js';
import { readLlmConfig, type LlmConfig } from './config/llm.js';
import { readMetricsFormat, readRuntimeMetrics } from './config/metrics-format.js';
import type { MetricsFormat, RuntimeMetricsConfig } from './config/metrics-format.js';

export type { SamplerConfig, SamplerType } from './config/sampler.js';
export { maskApiKey } from './config/headers.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export { INSTRUMENTATION_NAMES as KNOWN_INSTRUMENTATIONS } from './instrument/names.js';

export interface AgentConfig {
  /** TRACEKIT_ENABLED, else the inverse of OTEL_SDK_DISABLED; default true. */
  readonly enabled: boolean;
  /** TRACEKIT_API_KEY, else an `x-api-key` entry of OTEL_EXPORTER_OTLP_TRACES_HEADERS / OTEL_EXPORTER_OTLP_HEADERS. */
  readonly apiKey: string | undefined;
  /** The key in a printable form (`ctxio_****`); undefined without a key. */
  readonly maskedApiKey: string | undefined;
  /** The variable the key came from, for messages (a refused key names it); undefined without a key. */
  readonly apiKeySource: string | undefined;
  readonly serviceName: string;
  readonly serviceVersion: string | undefined;
  readonly environment: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, percent-decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly traces: {
    /** Where spans go; undefined when nothing may be sent (no key for TraceKit, or the key over plain http). */
    readonly url: string | undefined;
    /** OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS, then `X-API-Key` when a key is set. */
    readonly headers: Readonly<Record<string, string>>;
    readonly protocol: OtlpProtocol;
  };
  /** Same rules as `traces.url`, for `/v1/metrics`. */
  readonly metricsUrl: string | undefined;
  /** OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_METRICS_HEADERS, then `X-API-Key` when a key is set. */
  readonly metricsHeaders: Readonly<Record<string, string>>;
  /** Code-monitoring API base URL, no trailing slash; undefined without a usable API key. */
  readonly baseUrl: string | undefined;
  /** The traces endpoint is `tracekit.dev` or a subdomain of it (whether or not anything is sent there). */
  readonly endpointIsTraceKit: boolean;
  readonly sampler: SamplerConfig;
  /** `host:port` or `host` (lower-cased) → peer.service. */
  readonly serviceNameMappings: ReadonlyMap<string, string>;
  /** TRACEKIT_AUTO_INSTRUMENT_HTTP_CLIENT; when false, `http-client` and `fetch` are in `disabledInstrumentations` too. */
  readonly autoInstrumentHttpClient: boolean;
  readonly ignorePaths: readonly string[];
  /** True for a request path (a query string is allowed and ignored) that matches one of `ignorePaths`. */
  readonly isIgnoredPath: (path: string) => boolean;
  /** TRACEKIT_DISABLED_INSTRUMENTATIONS: lower-cased names out of KNOWN_INSTRUMENTATIONS. */
  readonly disabledInstrumentations: ReadonlySet<string>;
  /** TRACEKIT_ENABLED_INSTRUMENTATIONS: rows that are off by default and switched on. */
  readonly enabledInstrumentations: ReadonlySet<string>;
  /** TRACEKIT_LOGS_INJECTION, TRACEKIT_LOGS_EXPORT. */
  readonly logs: LogsConfig;
  /** TRACEKIT_LLM_CAPTURE_CONTENT, TRACEKIT_LLM_STREAM_USAGE. */
  readonly llm: LlmConfig;
  /** TraceKit metrics JSON, or OTLP (delta or cumulative) for a generic collector. */
  readonly metricsFormat: MetricsFormat;
  /** TRACEKIT_RUNTIME_METRICS, TRACEKIT_RUNTIME_METRICS_INTERVAL_MS. */
  readonly runtimeMetrics: RuntimeMetricsConfig;
  readonly debug: boolean;
  /** TRACEKIT_FORCE: start even in a package manager or CLI process, where the agent stays off by default. */
  readonly force: boolean;
  readonly localUi: { readonly enabled: boolean; readonly url: string; readonly probeIntervalMs: number };
  readonly export: {
    readonly scheduleDelayMs: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
    readonly exportTimeoutMs: number;
  };
  /** TRACEKIT_METRICS_FLUSH_INTERVAL_MS: how often buffered metric points are sent (default 10 s; shortened in tests). */
  readonly metricsFlushIntervalMs: number;
  readonly codeMonitoring: {
    /** The Local UI is the backend: development, no API key. */
    readonly local: boolean;
    /** TRACEKIT_CODE_MONITORING (alias TRACEKIT_ENABLE_CODE_MONITORING), with a usable API key or the Local UI. */
    readonly enabled: boolean;
    /** 30 s; TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS shortens it in tests. */
    readonly pollIntervalMs: number;
    /** 60 s while the kill switch is on; TRACEKIT_CODE_MONITORING_KILL_SWITCH_POLL_INTERVAL_MS for tests. */
    readonly killSwitchPollIntervalMs: number;
    /** 5 min pause after 3 failed uploads; TRACEKIT_CODE_MONITORING_BREAKER_COOLDOWN_MS for tests. */
    readonly breakerCooldownMs: number;
    /** An SSE stream silent this long is dropped (90 s); TRACEKIT_CODE_MONITORING_SSE_SILENCE_MS for tests. */
    readonly sseSilenceMs: number;
    /** TRACEKIT_PII_SCRUBBING, default true. */
    readonly piiScrubbing: boolean;
    /** TRACEKIT_PII_EXTRA_NAMES, lower-cased. */
    readonly piiExtraNames: readonly string[];
  };
}

export interface ReadConfigOptions {
  /** Directory holding the app's `package.json` (default service name) and `.env`. */
  cwd: string;
  /** Reads a UTF-8 file, undefined when it does not exist (other failures may throw). Tests inject it. */
  readFile?: ReadFile;
}

export interface ReadConfigResult {
  config: AgentConfig;
  warnings: string[];
  infos: string[];
  /**
   * Every API-key candidate (and its JSON-escaped form), longest first: the log scrubs them from every line it
   * writes, whatever produced the line.
   */
  secrets: string[];
}

/** Real keys are well under 100 characters; a longer value is a paste accident that would bloat every request. */
export const MAX_API_KEY_LENGTH = 512;
const MIN_SECRET_LENGTH = 8;
const DEFAULT_LOCAL_UI_URL = 'http://localhost:9999';
const BOOLEAN_WORDS = 'true/false, 1/0, yes/no, on/off';

function readFileFromDisk(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function deepFreeze<T>(value: T): T {
  // Map and Set stay as they are: freezing does not stop `set`/`add`; their Readonly types guard them.
  if (value !== null && typeof value === 'object' && !(value instanceof Map) && !(value instanceof Set)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function readConfig(env: Env, opts: ReadConfigOptions): ReadConfigResult {
  try {
    return readConfigOrThrow(env, opts);
  } catch (err) {
    // Nothing above is expected to throw; if something does (an exotic env object), the app must still start.
    const { config } = readConfigOrThrow({ TRACEKIT_ENABLED: 'false' }, { cwd: opts.cwd, readFile: () => undefined });
    const reason = err instanceof Error ? err.message : String(err);
    return { config, warnings: [`the configuration could not be read (${reason}); the agent is disabled`], infos: [], secrets: [] };
  }
}

function readConfigOrThrow(env: Env, opts: ReadConfigOptions): ReadConfigResult {
  const readFile = opts.readFile ?? readFileFromDisk;
  const warnings: string[] = [];
  const infos: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
  };
  const { get, dotenvPath, usedFromDotenv } = createLookup(env, opts.cwd, readFile, warn);

  // ---- API key first, so that every message after this point can be scrubbed of it ----
  const genericHeaders = parseHeaders('OTEL_EXPORTER_OTLP_HEADERS', get('OTEL_EXPORTER_OTLP_HEADERS'), warn);
  const tracesHeaders = parseHeaders('OTEL_EXPORTER_OTLP_TRACES_HEADERS', get('OTEL_EXPORTER_OTLP_TRACES_HEADERS'), warn);
  const metricsHeaders = parseHeaders('OTEL_EXPORTER_OTLP_METRICS_HEADERS', get('OTEL_EXPORTER_OTLP_METRICS_HEADERS'), warn);
  const keyCandidates: Array<[string, string | undefined]> = [
    ['TRACEKIT_API_KEY', get('TRACEKIT_API_KEY')],
    ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', headerValue(tracesHeaders, 'x-api-key')],
    ['OTEL_EXPORTER_OTLP_HEADERS', headerValue(genericHeaders, 'x-api-key')],
    ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', headerValue(metricsHeaders, 'x-api-key')],
  ];
  const secrets = keyCandidates
    .flatMap(([, v]) => (v === undefined ? [] : [v, JSON.stringify(v).slice(1, -1)]))
    .sort((a, b) => b.length - a.length);
  const scrub = (text: string): string => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(maskApiKey(s));
    return out;
  };
  const show = (value: string): string => quote(scrub(value));

  const [keySource, candidate] = keyCandidates.slice(0, 3).find(([, v]) => v !== undefined) ?? [undefined, undefined];
  let apiKey = candidate;
  if (apiKey !== undefined && !isUsableApiKey(apiKey)) {
    warn(`${keySource} holds an API key with spaces or characters not allowed in an HTTP header; ignoring it (running without an API key)`);
    apiKey = undefined;
  } else if (apiKey !== undefined && apiKey.length > MAX_API_KEY_LENGTH) {
    warn(`${keySource} holds an API key longer than ${MAX_API_KEY_LENGTH} characters; ignoring it (running without an API key)`);
    apiKey = undefined;
  }
  const apiKeySource = apiKey === undefined ? undefined : keySource;
  // A one-letter "key" would otherwise mask every word holding that letter; a real key is far longer.
  const telltaleSecrets = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  const holdsSecret = (value: string): boolean => telltaleSecrets.some((secret) => value.includes(secret));
  const maskedApiKey = apiKey === undefined ? undefined : maskApiKey(apiKey);

  // ---- typed readers: one warning per invalid value, naming the default ----
  const bool = (name: string, fallback: boolean): boolean => {
    const v = get(name);
    if (v === undefined) return fallback;
    const parsed = parseBoolean(v);
    if (parsed !== undefined) return parsed;
    warn(`${name}=${show(v)} is not a boolean (${BOOLEAN_WORDS}); using the default ${fallback}`);
    return fallback;
  };
  const int = (name: string, fallback: number, max: number = MAX_TIMER_MS): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const parsed = parsePositiveInteger(v, max);
    if (parsed !== undefined) return parsed;
    warn(`${name}=${show(v)} is not a whole number from 1 to ${max}; using the default ${fallback}`);
    return fallback;
  };

  let enabled = true;
  if (get('TRACEKIT_ENABLED') !== undefined) {
    enabled = bool('TRACEKIT_ENABLED', true);
    if (!enabled) infos.push('disabled by TRACEKIT_ENABLED=false');
  } else if (get('OTEL_SDK_DISABLED') !== undefined) {
    enabled = !bool('OTEL_SDK_DISABLED', false);
    if (!enabled) infos.push('disabled by OTEL_SDK_DISABLED=true');
  }

  // ---- resource ----
  const { resourceAttributes, serviceName, serviceVersion, environment } = readResource({
    get, warn, show, holdsSecret, scrub,
    readPackageJson: () => readFile(join(opts.cwd, 'package.json')),
  });

  // ---- export: protocol, endpoints, the API-key rules ----
  let protocol: OtlpProtocol = 'http/protobuf';
  const protocolVar = ['TRACEKIT_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'].find(
    (n) => get(n) !== undefined,
  );
  if (protocolVar !== undefined) {
    const v = get(protocolVar) ?? '';
    const lower = v.toLowerCase();
    if (lower === 'http/protobuf' || lower === 'http/json') protocol = lower;
    else if (lower === 'grpc') warn(`${protocolVar}=${show(v)}: grpc is not supported; using the default http/protobuf`);
    else warn(`${protocolVar}=${show(v)} is not http/protobuf or http/json; using the default http/protobuf`);
  }

  const endpoints = resolveEndpoints(get, warn, show, holdsSecret);
  const policy = applyKeyPolicy({ endpoints, apiKey, maskedApiKey, allowInsecureHttp: bool('TRACEKIT_ALLOW_INSECURE_HTTP', false) });
  // Disabled, nothing is sent at all: the start-up notices about where data goes would only mislead.
  if (enabled) {
    warnings.push(...policy.warnings);
    infos.push(...policy.infos);
  }

  const sampler = readSampler(get, warn, show);

  // ---- instrumentation ----
  const serviceNameMappings = new Map<string, string>();
  const rawMappings = get('TRACEKIT_SERVICE_NAME_MAPPINGS');
  if (rawMappings !== undefined) {
    const list = parseKeyValueList(rawMappings, { percentDecode: false, splitAtFirstEquals: true, allowEmptyValue: false });
    for (const bad of list.invalid) {
      warn(`TRACEKIT_SERVICE_NAME_MAPPINGS entry ${show(bad.entry)} is not host[:port]=service (${bad.reason}); skipping it`);
    }
    for (const [k, v] of list.entries) serviceNameMappings.set(k.toLowerCase(), v);
  }

  const autoInstrumentHttpClient = bool('TRACEKIT_AUTO_INSTRUMENT_HTTP_CLIENT', true);
  const { disabled: disabledInstrumentations, enabled: enabledInstrumentations } =
    readInstrumentationLists(get, warn, show, autoInstrumentHttpClient);
  const logs = readLogsConfig(get, warn, show);
  const llm = readLlmConfig(get, warn, show);
  const metricsFormat = readMetricsFormat(get, warn, show);
  const runtimeMetrics = readRuntimeMetrics(get, warn, show);

  const ignorePaths = splitList(get('TRACEKIT_IGNORE_PATHS') ?? '');
  const debug = bool('TRACEKIT_DEBUG', false);
  const force = bool('TRACEKIT_FORCE', false);

  // ---- Local UI (tracekit-local, or TraceKit's own Local UI, on localhost:9999) ----
  const development = get('ENV')?.toLowerCase() === 'development' || get('NODE_ENV')?.toLowerCase() === 'development';
  let localUiEnabled = development;
  const rawLocalUi = get('TRACEKIT_LOCAL_UI');
  if (rawLocalUi !== undefined) {
    const parsed = parseBoolean(rawLocalUi);
    if (parsed !== undefined) localUiEnabled = parsed;
    else warn(`TRACEKIT_LOCAL_UI=${show(rawLocalUi)} is not a boolean (${BOOLEAN_WORDS}); using the default (on only when ENV or NODE_ENV is development, here ${development})`);
  }
  let localUiUrl = DEFAULT_LOCAL_UI_URL;
  const rawLocalUiUrl = get('TRACEKIT_LOCAL_UI_URL');
  if (rawLocalUiUrl !== undefined) {
    // The Local UI never gets the key, not even inside its URL.
    if (holdsSecret(rawLocalUiUrl)) warn(`TRACEKIT_LOCAL_UI_URL=${show(rawLocalUiUrl)} holds the API key, which must never go to the Local UI; using the default ${DEFAULT_LOCAL_UI_URL}`);
    else if (/^https?:\/\/[^/?#]/i.test(rawLocalUiUrl) && URL.canParse(rawLocalUiUrl)) localUiUrl = rawLocalUiUrl.replace(/\/+$/, '');
    else warn(`TRACEKIT_LOCAL_UI_URL=${show(rawLocalUiUrl)} is not an http:// or https:// URL; using the default ${DEFAULT_LOCAL_UI_URL}`);
  }
  const probeIntervalMs = int('TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS', 30_000);

  // ---- code monitoring (live debugging), off by default ----
  const codeMonitoringVariable = get('TRACEKIT_CODE_MONITORING') !== undefined ? 'TRACEKIT_CODE_MONITORING' : 'TRACEKIT_ENABLE_CODE_MONITORING';
  const codeMonitoringRequested = bool(codeMonitoringVariable, false);
  // Without a key, in development, the Local UI (tracekit-local) is the code-monitoring backend: snapshots work
  // offline. With a key it is the cloud, and the key never goes to the Local UI.
  const codeMonitoringLocal = codeMonitoringRequested && policy.base === undefined && apiKey === undefined && localUiEnabled;
  if (codeMonitoringRequested && policy.base === undefined && !codeMonitoringLocal) {
    infos.push('code monitoring needs TRACEKIT_API_KEY and a TraceKit endpoint (or, in development, the Local UI: npx tracekit-local); it stays off');
  }
  const codeMonitoring = {
    enabled: codeMonitoringRequested && (policy.base !== undefined || codeMonitoringLocal),
    /** The Local UI's backend (at `localUi.url`, no key) instead of TraceKit's. */
    local: codeMonitoringLocal,
    pollIntervalMs: int('TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS', 30_000),
    killSwitchPollIntervalMs: int('TRACEKIT_CODE_MONITORING_KILL_SWITCH_POLL_INTERVAL_MS', 60_000),
    breakerCooldownMs: int('TRACEKIT_CODE_MONITORING_BREAKER_COOLDOWN_MS', 300_000),
    sseSilenceMs: int('TRACEKIT_CODE_MONITORING_SSE_SILENCE_MS', 90_000),
    piiScrubbing: bool('TRACEKIT_PII_SCRUBBING', true),
    piiExtraNames: get('TRACEKIT_PII_EXTRA_NAMES') === undefined ? [] : splitList(get('TRACEKIT_PII_EXTRA_NAMES')!).map((name) => name.toLowerCase()),
  };

  // ---- metrics buffer (the TraceKit SDKs send every 10 s or at 100 points) ----
  const metricsFlushIntervalMs = int('TRACEKIT_METRICS_FLUSH_INTERVAL_MS', 10_000);

  // ---- batching (the OTel BatchSpanProcessor variables) ----
  const scheduleDelayMs = int('OTEL_BSP_SCHEDULE_DELAY', 1000);
  const maxQueueSize = int('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1_000_000);
  let maxExportBatchSize = int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1_000_000);
  const exportTimeoutMs = int('OTEL_BSP_EXPORT_TIMEOUT', 10_000);
  if (maxExportBatchSize > maxQueueSize) {
    // The OTel SDK's rule too: a batch can never be larger than the queue. Only a value the user set is worth a warning.
    if (get('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') !== undefined) {
      warn(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE=${maxExportBatchSize} is larger than OTEL_BSP_MAX_QUEUE_SIZE=${maxQueueSize}; using ${maxQueueSize}`);
    }
    maxExportBatchSize = maxQueueSize;
  }

  if (usedFromDotenv.size > 0) {
    infos.push(`read ${[...usedFromDotenv].sort().join(', ')} from ${dotenvPath} (the environment takes precedence over it)`);
  }

  const config: AgentConfig = deepFreeze({
    enabled,
    apiKey,
    maskedApiKey,
    apiKeySource,
    serviceName,
    serviceVersion,
    environment,
    resourceAttributes,
    traces: { url: policy.traces, headers: mergeHeaders(genericHeaders, tracesHeaders, apiKey), protocol },
    metricsUrl: policy.metrics,
    metricsHeaders: mergeHeaders(genericHeaders, metricsHeaders, apiKey),
    baseUrl: policy.base,
    endpointIsTraceKit: endpoints.traces !== undefined && isTraceKitUrl(endpoints.traces),
    sampler,
    serviceNameMappings,
    autoInstrumentHttpClient,
    ignorePaths,
    isIgnoredPath: compileIgnorePaths(ignorePaths),
    disabledInstrumentations,
    enabledInstrumentations,
    logs,
    llm,
    metricsFormat,
    runtimeMetrics,
    debug,
    force,
    localUi: { enabled: localUiEnabled, url: localUiUrl, probeIntervalMs },
    export: { scheduleDelayMs, maxQueueSize, maxExportBatchSize, exportTimeoutMs },
    metricsFlushIntervalMs,
    codeMonitoring,
  });
  return { config, warnings: warnings.map(scrub), infos: infos.map(scrub), secrets: telltaleSecrets };
}
