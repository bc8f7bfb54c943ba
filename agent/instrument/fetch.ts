/**
 * CLIENT spans for the global `fetch` (Node's bundled undici) and the undici package, from undici's diagnostics
 * channels: nothing is patched. `undici:request:create` is published before the request is written, and
 * `request.addHeader` is the documented way to add `traceparent` there. `addHeader` appends, though: a caller that
 * already set `traceparent` would send both values joined by a comma, and the upstream would lose its parent. So
 * an existing header of the same name is replaced in place, as `http.request`'s `setHeader` does.
 */
import { SpanKind, SpanStatusCode, context, propagation } from '../trace/api.js';
import type { TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Span, errorMessage } from '../trace/span.js';
import { startSpan } from '../trace/tracer.js';
import { clientSpanAttributes, defaultPort } from './http-attributes.js';
import { urlParts } from './url-parts.js';
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import type { AgentRuntime } from './types.js';

interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
  /** A flat [name, value, …] array in the undici bundled with Node 20-26; a `name: value\r\n` string in undici 5. */
  headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}

interface UndiciMessage {
  request: UndiciRequest;
  response?: { statusCode?: number };
  error?: unknown;
}

const CREATE = 'undici:request:create';
const HEADERS = 'undici:request:headers';
const TRAILERS = 'undici:request:trailers';
const ERROR = 'undici:request:error';

const headerSetter: TextMapSetter<UndiciRequest> = {
  set(carrier, key, value) {
    if (!replaceHeader(carrier, key, value)) carrier.addHeader?.(key, value);
  },
};

/** Sets `name` to `value` where the request already has it (any case); false when it has none. */
export function replaceHeader(request: UndiciRequest, name: string, value: string): boolean {
  const headers = request.headers;
  if (Array.isArray(headers)) {
    let found = false;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (typeof headers[i] !== 'string' || (headers[i] as string).toLowerCase() !== name) continue;
      if (!found) {
        headers[i + 1] = value;
        found = true;
      } else {
        // A second copy of the header would be joined to ours; drop it.
        headers.splice(i, 2);
        i -= 2;
      }
    }
    return found;
  }
  if (typeof headers === 'string') {
    const pattern = new RegExp(`^${name}:[^\\r\\n]*\\r\\n`, 'gim');
    if (!pattern.test(headers)) return false;
    request.headers = headers.replace(pattern, '');
  }
  return false;
}

export const fetchClient = defineInstrumentation({
  name: 'fetch',
  enabledByDefault: true,
  modules: [],
  channels: [CREATE, HEADERS, TRAILERS, ERROR],
  create: subscribeUndiciChannels,
});

function subscribeUndiciChannels(runtime: AgentRuntime, guard: Guard): void {
  const scope = runtime.scope('@tracekit/agent/fetch');
  const mappings = runtime.config.serviceNameMappings;
  // Per-request state without touching undici's objects; entries vanish with the request.
  const spans = new WeakMap<UndiciRequest, Span>();

  function onRequestCreated(message: unknown): void {
    const { request } = message as UndiciMessage;
    const parent = context.active();
    if (isTracingSuppressed(parent)) return;
    const method = request.method || 'GET';
    const span = startSpan(runtime.core, scope, parent, method, SpanKind.CLIENT, undefined);
    if (!(span instanceof Span)) return;
    propagation.inject(span, request, headerSetter);
    if (!span.isRecording()) return;
    spans.set(request, span);
    // An origin that is not a URL (a custom dispatcher may pass anything) leaves host and port empty.
    const parts = urlParts(String(request.origin));
    const protocol = parts?.protocol ?? 'http:';
    const host = parts?.host ?? '';
    const port = parts === undefined ? '' : parts.port || defaultPort(protocol);
    span.setAttributes(clientSpanAttributes(method, protocol, host, port, request.path || '/', mappings));
  }

  function onResponseHeaders(message: unknown): void {
    const { request, response } = message as UndiciMessage;
    const span = spans.get(request);
    if (span === undefined) return;
    const status = response?.statusCode ?? 0;
    span.setAttribute('http.status_code', status);
    span.setAttribute('http.response.status_code', status);
    if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
  }

  function onResponseDone(message: unknown): void {
    const { request } = message as UndiciMessage;
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    span.end();
  }

  function onRequestError(message: unknown): void {
    const { request, error } = message as UndiciMessage;
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    // Both read the error defensively: an error object with a throwing `message` getter must not break anything.
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    span.end();
  }

  guard.subscribe(CREATE, onRequestCreated);
  guard.subscribe(HEADERS, onResponseHeaders);
  guard.subscribe(TRAILERS, onResponseDone);
  guard.subscribe(ERROR, onRequestError);
}
