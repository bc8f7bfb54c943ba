/**
 * CLIENT spans for the global `fetch` (Node's bundled undici) and the undici package, from undici's diagnostics
 * channels: nothing is patched. `undici:request:create` is published before the request is written, and
 * `request.addHeader` is the documented way to add `traceparent` there.
 */
import dc from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, context, propagation } from '@opentelemetry/api';
import type { TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Span } from '../trace/span.js';
import { startSpan } from '../trace/tracer.js';
import { clientSpanAttributes } from './http-attributes.js';
import type { AgentRuntime, Instrumentation } from './types.js';

interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
  addHeader?(name: string, value: string): unknown;
}

interface UndiciMessage {
  request: UndiciRequest;
  response?: { statusCode?: number };
  error?: unknown;
}

const headerSetter: TextMapSetter<UndiciRequest> = {
  set(carrier, key, value) {
    carrier.addHeader?.(key, value);
  },
};

export function fetchInstrumentation(runtime: AgentRuntime): Instrumentation {
  const scope = runtime.scope('@tracekit/agent/fetch');
  const mappings = runtime.config.serviceNameMappings;
  // Per-request state without touching undici's objects; entries vanish with the request.
  const spans = new WeakMap<UndiciRequest, Span>();
  const channels = {
    create: dc.channel('undici:request:create'),
    headers: dc.channel('undici:request:headers'),
    trailers: dc.channel('undici:request:trailers'),
    error: dc.channel('undici:request:error'),
  };

  function onRequestCreated(message: unknown): void {
    try {
      const { request } = message as UndiciMessage;
      const parent = context.active();
      if (isTracingSuppressed(parent)) return;
      const method = request.method || 'GET';
      const span = startSpan(runtime.core, scope, parent, method, SpanKind.CLIENT, undefined);
      if (!(span instanceof Span)) return;
      propagation.inject(span, request, headerSetter);
      if (!span.isRecording()) return;
      spans.set(request, span);
      const origin = new URL(String(request.origin));
      const protocol = origin.protocol;
      const port = origin.port || (protocol === 'https:' ? '443' : '80');
      const host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
      span.setAttributes(clientSpanAttributes(method, protocol, host, port, request.path || '/', mappings));
    } catch (error) {
      runtime.fail('fetch', error);
    }
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
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { message?: string } | undefined)?.message });
    span.end();
  }

  return {
    name: 'fetch',
    enable() {
      channels.create.subscribe(onRequestCreated);
      channels.headers.subscribe(onResponseHeaders);
      channels.trailers.subscribe(onResponseDone);
      channels.error.subscribe(onRequestError);
    },
    disable() {
      channels.create.unsubscribe(onRequestCreated);
      channels.headers.unsubscribe(onResponseHeaders);
      channels.trailers.unsubscribe(onResponseDone);
      channels.error.unsubscribe(onRequestError);
    },
  };
}
