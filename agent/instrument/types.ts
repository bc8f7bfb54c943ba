/** What every instrumentation gets from the agent when its row activates. */
import type { AgentConfig } from '../config.js';
import type { AgentContextManager } from '../trace/context-manager.js';
import type { TracerCore } from '../trace/tracer.js';
import type { InstrumentationScope } from '../trace/types.js';
import type { LogRecordSink } from '../logs/record.js';

export interface AgentRuntime {
  readonly config: AgentConfig;
  readonly core: TracerCore;
  readonly contextManager: AgentContextManager;
  scope(name: string): InstrumentationScope;
  /** Where the logging instrumentations hand their records; undefined when logs go nowhere. */
  readonly logSink: LogRecordSink | undefined;
}
