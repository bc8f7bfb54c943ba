/**
 * `request_context` for a snapshot: the request the active span belongs to, with headers from an allowlist
 * (content-type, content-length, host, user-agent, referer: nothing that carries credentials) and every value
 * PII-scrubbed.
 */
import type { IncomingMessage } from 'node:http';
import { clientIp } from '../instrument/http-attributes.js';
import type { PiiScrubber } from './pii.js';

const HEADER_ALLOWLIST = ['content-type', 'content-length', 'host', 'user-agent', 'referer'];

export interface RequestContext {
  method: string;
  path: string;
  url: string;
  ip: string | undefined;
  user_agent: string | undefined;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
}

/** `request` is the active request (instrument/active-request.ts), undefined outside one. */
export function buildRequestContext(request: IncomingMessage | undefined, pii: PiiScrubber | undefined): RequestContext | undefined {
  if (request === undefined) return undefined;
  // scrubText, not scrubString: header values (a referer) can carry userinfo and secret query parameters too.
  const scrub = (value: string) => (pii === undefined ? value : pii.scrubText(value).value);
  const url = request.url ?? '/';
  const q = url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (q !== -1) {
    for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
      const clean = pii !== undefined && pii.isSensitiveName(key) ? '[REDACTED:sensitive_name]' : scrub(value);
      const existing = query[key];
      if (existing === undefined) query[key] = clean;
      else query[key] = Array.isArray(existing) ? [...existing, clean] : [existing, clean];
    }
  }
  const headers: Record<string, string> = {};
  for (const name of HEADER_ALLOWLIST) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = scrub(value);
  }
  const userAgent = request.headers['user-agent'];
  return {
    method: request.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    url: pii === undefined ? url : pii.scrubUrl(url),
    ip: clientIp(request.headers, request.socket?.remoteAddress),
    user_agent: typeof userAgent === 'string' ? scrub(userAgent) : undefined,
    query,
    headers,
  };
}
