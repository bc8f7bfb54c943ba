/**
 * The `@opentelemetry/api` values the per-request path uses, read once at load. In the CommonJS bundle every
 * `api.x` of an import goes through an interop getter (the API is a CommonJS module behind a shim); a handful of
 * those per request cost 0.5-0.7 µs on Node 24/26 in CPU profiles under load. Modules on the hot path import
 * from here; types still come from the API itself.
 */
import * as api from '@opentelemetry/api';

export const context = api.context;
export const trace = api.trace;
export const propagation = api.propagation;
export const ROOT_CONTEXT = api.ROOT_CONTEXT;
export const INVALID_SPAN_CONTEXT = api.INVALID_SPAN_CONTEXT;
export const SpanKind = api.SpanKind;
export const SpanStatusCode = api.SpanStatusCode;
export const SamplingDecision = api.SamplingDecision;
