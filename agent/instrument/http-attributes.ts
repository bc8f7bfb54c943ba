/** Pure helpers for http span attributes: client IP, URL redaction, peer.service, as the TraceKit dashboard reads them. */
import { nodeRequire } from '../node-require.js';
import type { IncomingHttpHeaders } from 'node:http';

// net is loaded on first use (by then a server or client has loaded it anyway), not at agent start-up.
let netIsIP: ((input: string) => number) | undefined;
function isIP(input: string): number {
  netIsIP ??= (nodeRequire('node:net') as typeof import('node:net')).isIP;
  return netIsIP(input);
}

/** First X-Forwarded-For entry, else X-Real-IP, else Forwarded: for=, else the socket peer; only valid IPs. */
export function clientIp(headers: IncomingHttpHeaders, socketAddress: string | undefined): string | undefined {
  const forwardedFor = headers['x-forwarded-for'];
  return clientIpFrom(
    Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor,
    typeof headers['x-real-ip'] === 'string' ? headers['x-real-ip'] : undefined,
    typeof headers['forwarded'] === 'string' ? headers['forwarded'] : undefined,
    socketAddress,
  );
}

/** The same rules from the individual header values (the http server instrumentation reads them from rawHeaders). */
export function clientIpFrom(
  forwardedFor: string | undefined,
  realIp: string | undefined,
  forwarded: string | undefined,
  socketAddress: string | undefined,
): string | undefined {
  if (forwardedFor !== undefined) {
    const first = firstListEntry(forwardedFor);
    const ip = first === undefined ? undefined : normaliseIp(first);
    if (ip !== undefined) return ip;
  }
  if (typeof realIp === 'string') {
    const ip = normaliseIp(realIp.trim());
    if (ip !== undefined) return ip;
  }
  if (typeof forwarded === 'string') {
    const match = /(?:^|[;,\s])for="?([^";,]+)"?/i.exec(forwarded);
    const ip = match === null ? undefined : normaliseIp(match[1]!);
    if (ip !== undefined) return ip;
  }
  return socketAddress === undefined ? undefined : unmapIpv4(socketAddress);
}

/** ASCII case-insensitive equality with a lower-case `target`, without allocating a lower-cased copy. */
export function equalsLowerCase(value: string, target: string): boolean {
  if (value.length !== target.length) return false;
  if (value === target) return true;
  for (let i = 0; i < target.length; i++) {
    if ((value.charCodeAt(i) | 0x20) !== target.charCodeAt(i)) return false;
  }
  return true;
}

/** Dual-stack sockets report IPv4 peers as `::ffff:1.2.3.4`; dashboards expect the plain IPv4 form. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function firstListEntry(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

/** Accepts `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::1`; returns the bare address or undefined. */
function normaliseIp(value: string): string | undefined {
  if (isIP(value) !== 0) return unmapIpv4(value);
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    const inner = end === -1 ? '' : value.slice(1, end);
    return isIP(inner) === 6 ? inner : undefined;
  }
  const colon = value.lastIndexOf(':');
  if (colon !== -1 && value.indexOf(':') === colon) {
    const host = value.slice(0, colon);
    return isIP(host) === 4 ? host : undefined;
  }
  return undefined;
}

/** Query parameters whose values are credentials (OTel semantic conventions list, plus common token names). */
const SENSITIVE_QUERY = /^(?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|awsaccesskeyid|token|access_token|refresh_token|id_token|api_key|apikey|key|password|passwd|secret|client_secret|code)$/i;

/** Redacts the values of sensitive query parameters in a raw query string (without the leading `?`). */
export function redactQuery(query: string): string {
  if (query === '') return query;
  let changed = false;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    let name = part.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // Keep the raw name: a malformed escape must not hide a credential or throw.
    }
    if (SENSITIVE_QUERY.test(name)) {
      parts[i] = `${part.slice(0, eq)}=REDACTED`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : query;
}

/** `path?query` with sensitive query values redacted. */
export function redactTarget(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q + 1) + redactQuery(target.slice(q + 1));
}

/** The port a URL of `protocol` (`https:` or `https`, and so on) means when it names none. */
export function defaultPort(protocol: string): string {
  return protocol === 'https:' || protocol === 'https' ? '443' : '80';
}

/** A full URL without userinfo and with sensitive query values redacted. */
export function redactUrl(protocol: string, host: string, port: string | number | undefined, target: string): string {
  const scheme = protocol.endsWith(':') ? protocol.slice(0, -1) : protocol;
  const portPart = port === undefined || String(port) === '' || String(port) === defaultPort(scheme) ? '' : `:${port}`;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${hostPart}${portPart}${redactTarget(target)}`;
}

/** The attributes every CLIENT span gets (http, https and fetch alike): method, redacted URL, server, peer.service. */
export function clientSpanAttributes(
  method: string,
  protocol: string,
  host: string,
  port: string,
  target: string,
  mappings: ReadonlyMap<string, string>,
): Record<string, string | number> {
  const url = redactUrl(protocol, host, port, target);
  const portNumber = Number(port);
  const attributes: Record<string, string | number> = {
    'http.method': method,
    'http.request.method': method,
    'http.url': url,
    'url.full': url,
    'server.address': host,
    'server.port': portNumber,
    'peer.service': peerService(host, port, mappings),
  };
  // No port known (an origin that is not a URL, which is rare): say nothing rather than `server.port: 0`.
  if (!(portNumber > 0)) delete attributes['server.port'];
  return attributes;
}

/** peer.service, in this order: host:port mapping, host mapping, k8s service, .internal, bare host. */
export function peerService(host: string, port: string | number | undefined, mappings: ReadonlyMap<string, string>): string {
  const lowerHost = host.toLowerCase();
  if (mappings.size > 0) {
    if (port !== undefined && port !== '') {
      const byHostPort = mappings.get(`${lowerHost}:${port}`);
      if (byHostPort !== undefined) return byHostPort;
    }
    const byHost = mappings.get(lowerHost);
    if (byHost !== undefined) return byHost;
  }
  if (lowerHost.includes('.svc.cluster.local') || lowerHost.includes('.internal')) {
    const dot = lowerHost.indexOf('.');
    return dot === -1 ? lowerHost : lowerHost.slice(0, dot);
  }
  return lowerHost;
}
