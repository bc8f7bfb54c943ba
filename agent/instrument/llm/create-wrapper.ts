/**
 * The wrapper both LLM rows put on the SDKs' `create` methods. While the SDK's own `create` runs, the LLM span is
 * the active context (entered, then the caller's context restored before `create` returns): the SDK starts its
 * HTTP request inside that synchronous call, so the fetch (or node-fetch/http) CLIENT span of every attempt,
 * retries included, nests under the LLM span and inherits its trace.
 */
import { context } from '../../trace/api.js';
import type { Context } from '@opentelemetry/api';
import { PiiScrubber } from '../../snapshots/pii.js';
import type { Guard } from '../guard.js';
import type { AgentRuntime } from '../types.js';
import { LlmCall, startLlmSpan } from './call.js';
import type { LlmAdapter } from './call.js';
import { ContentRecorder } from './content.js';
import { createPromiseWatcher } from './api-promise.js';
import { createStreamWatcher } from './stream.js';
import { createDropWatcher } from './abandoned.js';

export interface CreateOptions {
  /** Chat completions only: ask for usage in streams the app did not configure (TRACEKIT_LLM_STREAM_USAGE). */
  readonly addStreamUsage: boolean;
}

interface CallState {
  call: LlmCall;
  previous: Context;
}

export type WrapCreate = (prototype: unknown, adapter: LlmAdapter, options: CreateOptions) => void;

export function createWrapper(runtime: AgentRuntime, guard: Guard, scopeName: string): WrapCreate {
  const scope = runtime.scope(scopeName);
  const { captureContent, streamUsage } = runtime.config.llm;
  const { piiScrubbing, piiExtraNames } = runtime.config.codeMonitoring;
  const scrubber = captureContent && piiScrubbing ? new PiiScrubber({ extraNames: piiExtraNames }) : undefined;
  const watchDropped = createDropWatcher(guard);
  const watchPromise = createPromiseWatcher(guard, createStreamWatcher(guard, watchDropped), watchDropped);
  const contextManager = runtime.contextManager;

  return function wrapCreate(prototype, adapter, options) {
    if (prototype === null || typeof prototype !== 'object') return;
    guard.wrap<CallState>(prototype, 'create', {
      enter(self, args) {
        const body = args[0] as Record<string, unknown> | undefined;
        if (body === null || typeof body !== 'object') return undefined;
        const previous = context.active();
        const client = (self as { _client?: { baseURL?: unknown } } | undefined)?._client;
        const span = startLlmSpan(runtime, scope, previous, adapter.provider, body.model, client?.baseURL);
        if (span === undefined) return undefined;
        const stream = body.stream === true;
        const addUsage = stream && options.addStreamUsage && streamUsage && body.stream_options === undefined;
        // A copy: the app's request object is never changed.
        if (addUsage) args[0] = { ...body, stream_options: { include_usage: true } };
        const call = new LlmCall(span, adapter, captureContent ? new ContentRecorder(scrubber) : undefined, addUsage);
        call.stream = stream;
        adapter.request(call, body);
        contextManager.enter(span);
        return { call, previous };
      },
      exit(state, result, error) {
        if (state === undefined) return undefined;
        contextManager.enter(state.previous);
        if (error !== undefined) state.call.fail(error);
        else watchPromise(result, state.call);
        return undefined;
      },
    });
  };
}
