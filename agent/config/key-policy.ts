/**
 * Whether each resolved URL may be used (the project's rules for the key): without an API key nothing
 * goes to the TraceKit cloud, and a key never crosses plain http to a non-loopback host without the opt-in.
 */
import { DEFAULT_ENDPOINT, type ResolvedEndpoints, isLoopbackUrl, isPlainHttpUrl, isTraceKitUrl, originForMessage } from './endpoint.js';

export interface GatedUrls {
  traces: string | undefined;
  metrics: string | undefined;
  base: string | undefined;
}

export interface KeyPolicyInput {
  endpoints: ResolvedEndpoints;
  apiKey: string | undefined;
  maskedApiKey: string | undefined;
  allowInsecureHttp: boolean;
}

export function applyKeyPolicy(input: KeyPolicyInput): GatedUrls & { warnings: string[]; infos: string[] } {
  const { endpoints, apiKey, maskedApiKey, allowInsecureHttp } = input;
  const keyless: string[] = [];
  const refused = new Map<string, string[]>();
  const insecure = new Map<string, string[]>();

  const gate = (url: string | undefined, what: string, needsKey: boolean): string | undefined => {
    // Turned off by an invalid endpoint (already warned about).
    if (url === undefined) return undefined;
    if (apiKey === undefined) {
      // A collector needs no key; the TraceKit cloud rejects every call without one, and so does code monitoring.
      if (needsKey || isTraceKitUrl(url)) {
        keyless.push(what);
        return undefined;
      }
      return url;
    }
    if (isPlainHttpUrl(url) && !isLoopbackUrl(url)) {
      const bucket = allowInsecureHttp ? insecure : refused;
      const origin = originForMessage(url);
      bucket.set(origin, [...(bucket.get(origin) ?? []), what]);
      return allowInsecureHttp ? url : undefined;
    }
    return url;
  };
  const traces = gate(endpoints.traces, 'traces', false);
  const metrics = gate(endpoints.metrics, 'metrics', false);
  const base = gate(endpoints.base, 'code monitoring', true);

  const warnings: string[] = [];
  const infos: string[] = [];
  const listOrigins = (m: Map<string, string[]>): string =>
    [...m].map(([origin, what]) => `${origin} (${what.join(', ')})`).join(', ');
  if (keyless.length > 0) {
    const cloud = new Set([endpoints.traces, endpoints.metrics, endpoints.base].filter((url): url is string => url !== undefined && isTraceKitUrl(url)).map(originForMessage));
    const where = cloud.size > 0 ? [...cloud].join(', ') : `https://${DEFAULT_ENDPOINT}`;
    infos.push(`no TRACEKIT_API_KEY set: nothing is sent to the TraceKit cloud (${where}); off: ${keyless.join(', ')}`);
  }
  if (refused.size > 0) {
    warnings.push(
      `refusing to send the API key (${maskedApiKey}) over plain http to ${listOrigins(refused)}; nothing is sent there. ` +
        'Use https, or set TRACEKIT_ALLOW_INSECURE_HTTP=true for a backend inside a private network',
    );
  }
  if (insecure.size > 0) {
    warnings.push(
      `TRACEKIT_ALLOW_INSECURE_HTTP=true: the API key (${maskedApiKey}) is sent over plain http to ${listOrigins(insecure)}; ` +
        'anyone on the network path can read it',
    );
  }
  return { traces, metrics, base, warnings, infos };
}
