/** What every instrumentation gets from the agent, and what it gives back. */
import type { AgentConfig } from '../config.js';
import type { AgentContextManager } from '../trace/context-manager.js';
import type { TracerCore } from '../trace/tracer.js';
import type { InstrumentationScope } from '../trace/types.js';

export interface AgentRuntime {
  readonly config: AgentConfig;
  readonly core: TracerCore;
  readonly contextManager: AgentContextManager;
  scope(name: string): InstrumentationScope;
  /**
   * An instrumentation threw: log once and switch that instrumentation off, so the app keeps running untraced
   * for it rather than failing (style.md: "never crash the user's app").
   */
  fail(instrumentation: string, error: unknown): void;
}

export interface Instrumentation {
  /** The name users pass in TRACEKIT_DISABLED_INSTRUMENTATIONS. */
  readonly name: string;
  enable(): void;
  disable(): void;
}
