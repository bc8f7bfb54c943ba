/**
 * Endpoint resolution (the TraceKit SDKs' rules for TRACEKIT_ENDPOINT, the OTel exporter spec for the
 * OTEL_EXPORTER_OTLP_* variables) and the host checks behind the API-key rules.
 */
export const DEFAULT_ENDPOINT = 'app.tracekit.dev';

export type Signal = 'traces' | 'metrics';

export interface EndpointUrls {
  traces: string;
  metrics: string;
  /** Code-monitoring base URL, no trailing slash. */
  base: string;
}

/** What resolution gives: a signal whose variable was invalid is undefined (off), never redirected elsewhere. */
export interface ResolvedEndpoints {
  traces: string | undefined;
  metrics: string | undefined;
  base: string | undefined;
}

/** Longer than any real endpoint; a longer value is a paste accident (a whole file, a token). */
export const MAX_ENDPOINT_LENGTH = 2048;

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SIGNAL_PATH = /\/v1\/(?:traces|metrics)/;

function parseHttpUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  return url;
}

/** scheme://[user[:pass]@]host[:port] — `URL.origin` would drop the credentials the user wrote. */
function prefixOf(url: URL): string {
  const auth = url.username !== '' ? `${url.username}${url.password !== '' ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${auth}${url.host}`;
}

/**
 * The TraceKit endpoint table. No scheme → `https://`, except for a loopback host, where collectors listen on plain
 * http (the TraceKit SDKs' "no scheme means https" would turn `localhost:4318` into a TLS error); no path → append
 * the signal path;
 * a path holding `/v1/traces`, `/v1/metrics` (or the `/api/v1/…` forms) → scheme://host[:port] plus the signal
 * path; any other path is kept and the signal path appended. The base URL is the same with an empty signal path.
 */
export function resolveTraceKitEndpoint(endpoint: string): EndpointUrls | undefined {
  const url = parseHttpUrl(withScheme(endpoint));
  if (url === undefined) return undefined;
  const prefix = prefixOf(url);
  const path = url.pathname.replace(/\/+$/, '');
  const root = SIGNAL_PATH.test(path) ? prefix : prefix + path;
  return {
    traces: `${root}/v1/traces${url.search}`,
    metrics: `${root}/v1/metrics${url.search}`,
    base: root,
  };
}

export function hasScheme(endpoint: string): boolean {
  return HAS_SCHEME.test(endpoint);
}

function withScheme(endpoint: string): string {
  if (HAS_SCHEME.test(endpoint)) return endpoint;
  const plain = `http://${endpoint}`;
  return isLoopbackUrl(plain) ? plain : `https://${endpoint}`;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT: the OTel spec appends `v1/<signal>` to whatever path is there. */
export function appendSignalPath(endpoint: string, signal: Signal): string {
  return `${endpoint.endsWith('/') ? endpoint : `${endpoint}/`}v1/${signal}`;
}

/** The OTel spec requires a full URL in the OTEL_EXPORTER_OTLP_* endpoint variables. */
export function isFullHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text) && parseHttpUrl(text) !== undefined;
}

type Lookup = (name: string) => string | undefined;
type Warn = (message: string) => void;
/** Quotes a configured value for a message (and scrubs secrets from it). */
type Show = (value: string) => string;

/**
 * Traces: TRACEKIT_ENDPOINT (§1 table) → OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as-is) →
 * OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces) → the default. Metrics: the same with METRICS.
 * Base URL: TRACEKIT_ENDPOINT → OTEL_EXPORTER_OTLP_ENDPOINT → the default, both through the §1 base rule;
 * a signal-specific variable names one signal's URL and says nothing about where the API lives.
 *
 * An invalid variable turns off what it would have served, with one warning. It is never replaced by the default
 * or the next variable: a typo must not send the data, and the API key, somewhere the user never pointed them.
 * A value holding the API key (pasted into the wrong variable) is invalid too: it is never used as a host name.
 */
export function resolveEndpoints(get: Lookup, warn: Warn, show: Show, holdsSecret: (value: string) => boolean = () => false): ResolvedEndpoints {
  const fallback = resolveTraceKitEndpoint(DEFAULT_ENDPOINT) as EndpointUrls;
  const problem = (value: string): string | undefined => {
    if (holdsSecret(value)) return 'holds the API key';
    if (value.length > MAX_ENDPOINT_LENGTH) return `is longer than ${MAX_ENDPOINT_LENGTH} characters`;
    return undefined;
  };

  const tracekit = get('TRACEKIT_ENDPOINT');
  if (tracekit !== undefined) {
    const why = problem(tracekit);
    const resolved = why === undefined ? resolveTraceKitEndpoint(tracekit) : undefined;
    if (resolved !== undefined) return resolved;
    warn(`TRACEKIT_ENDPOINT=${show(redactUrlText(tracekit))} ${why ?? 'is not a valid http(s) endpoint'}; ` +
      'traces, metrics and code monitoring are off (nothing is sent anywhere else). Write it as https://host[:port][/path]');
    return { traces: undefined, metrics: undefined, base: undefined };
  }

  const otlpValid = (name: string, what: string): string | undefined | null => {
    const value = get(name);
    if (value === undefined) return undefined;
    const why = problem(value);
    if (why === undefined && isFullHttpUrl(value)) return value;
    warn(`${name}=${show(redactUrlText(value))} ${why ?? 'is not a full http:// or https:// URL'}; ${what} off (nothing is sent anywhere else)`);
    return null;
  };
  // null marks "set but invalid": that signal is off, neither the default nor the next variable.
  const generic = otlpValid('OTEL_EXPORTER_OTLP_ENDPOINT', 'traces, metrics and code monitoring are');
  const traces = otlpValid('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'traces are');
  const metrics = otlpValid('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'metrics are');

  const pick = (specific: string | undefined | null, signal: Signal): string | undefined => {
    if (specific !== undefined) return specific ?? undefined;
    if (generic !== undefined) return generic === null ? undefined : appendSignalPath(generic, signal);
    return fallback[signal];
  };
  const base = generic === undefined ? fallback.base : generic === null ? undefined : resolveTraceKitEndpoint(generic)?.base;
  return { traces: pick(traces, 'traces'), metrics: pick(metrics, 'metrics'), base };
}

function hostnameOf(url: string): string | undefined {
  try {
    // WHATWG URL keeps IPv6 brackets in `hostname` and a trailing root dot; neither matters for the checks.
    return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** `*.tracekit.dev` or `tracekit.dev` itself. */
export function isTraceKitUrl(url: string): boolean {
  const host = hostnameOf(url);
  return host !== undefined && (host === 'tracekit.dev' || host.endsWith('.tracekit.dev'));
}

/**
 * Loopback by name or address. `new URL` already rewrote `127.1`, `0x7f000001` and `2130706433` to
 * `127.0.0.1` and `::ffff:127.0.0.1` to `::ffff:7f00:1`, so the literal forms below are enough.
 */
export function isLoopbackUrl(url: string): boolean {
  const host = hostnameOf(url);
  if (host === undefined) return false;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
  );
}

export function isPlainHttpUrl(url: string): boolean {
  return url.slice(0, 7).toLowerCase() === 'http://';
}

/** scheme://host[:port], for messages: drops credentials, path and query that may carry tokens. */
export function originForMessage(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '<invalid URL>';
  }
}

/** scheme://host[:port]/path, for the debug summary: no credentials and no query (either may hold a token). */
export function urlForMessage(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid URL>';
  }
}

/** A configured value echoed in a warning without any `user:password@` part. */
function redactUrlText(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@?#]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}****@`);
}
