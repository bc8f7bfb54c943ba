/** What every instrumentation gets from the agent when its row activates. */
import type { AgentConfig } from '../config.js';
import type { AgentContextManager } from '../trace/context-manager.js';
import type { TracerCore } from '../trace/tracer.js';
import type { InstrumentationScope } from '../trace/types.js';

export interface AgentRuntime {
  readonly config: AgentConfig;
  readonly core: TracerCore;
  readonly contextManager: AgentContextManager;
  scope(name: string): InstrumentationScope;
}
