/** The `/v1/logs` URL beside a `/v1/traces` one (same origin and base path, as OTLP/HTTP endpoints are laid out). */
export function signalUrl(tracesUrl: string | URL, signal: 'logs' | 'metrics'): string {
  const url = new URL(String(tracesUrl));
  url.pathname = url.pathname.endsWith('/v1/traces') ? url.pathname.slice(0, -'traces'.length) + signal : `${url.pathname.replace(/\/$/, '')}/v1/${signal}`;
  return url.href;
}
