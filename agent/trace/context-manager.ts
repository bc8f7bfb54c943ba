/**
 * OpenTelemetry's AsyncLocalStorage context manager, plus `enter()`: make a context active for the rest of the
 * current async execution without a callback. The SERVER span is entered this way from the
 * `http.server.request.start` diagnostics channel, which has no callback to wrap (measured: the cheapest
 * way to give each request an active context on Node 20).
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Context } from '@opentelemetry/api';
import type { AsyncLocalStorage } from 'node:async_hooks';

export class AgentContextManager extends AsyncLocalStorageContextManager {
  /** The one AsyncLocalStorage behind the active context (bound to drivers' channels with `guard.bindStore`). */
  readonly storage: AsyncLocalStorage<Context>;

  constructor() {
    super();
    // The parent keeps its storage in a TypeScript-private field; reading it once avoids a second
    // AsyncLocalStorage (each one costs per async hop).
    this.storage = (this as unknown as { _asyncLocalStorage: AsyncLocalStorage<Context> })._asyncLocalStorage;
  }

  enter(context: Context): void {
    this.storage.enterWith(context);
  }
}
