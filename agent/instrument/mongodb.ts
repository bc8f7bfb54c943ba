/**
 * The `mongodb` row: mongodb 6 and 7 through OpenTelemetry's mongodb instrumentation, which already records what
 * a database span needs here (`db.system.name`, `db.namespace`, `db.operation.name`, `db.collection.name`,
 * `server.*`, and `db.query.text` as the command's JSON with every scalar value replaced by `?`, i.e. the filter
 * shape), and makes no span outside a span (`requireParentSpan`). What is ours:
 *   - it is loaded only when the driver loads (dist/otel-mongodb.cjs, required from `create`), so an app without
 *     mongodb never pays for it;
 *   - it never hooks modules itself (`enabled: false`): the table's rows name the driver's files, and each file
 *     is patched by the instrumentation's own patch for it, inside this row's guard, and unpatched when the row
 *     turns off. The instrumentation's wrappers catch their own errors (OpenTelemetry's safe-execute helpers);
 *   - its spans get `peer.service` from the service-name mappings, through a tracer that adds it.
 * Supported, not tested against a server here: no MongoDB server can be installed on the test machine.
 */
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanOptions, Tracer, TracerProvider } from '@opentelemetry/api';
import satisfies from 'semver/functions/satisfies.js';
import { nodeRequire } from '../node-require.js';
import type { LoadedModule } from './definition.js';
import { defineInstrumentation } from './definition.js';
import type { Guard } from './guard.js';
import { peerService } from './http-attributes.js';
import type { AgentRuntime } from './types.js';

interface ModuleFile {
  name: string;
  supportedVersions: string[];
  patch(exports: unknown, version?: string): unknown;
  unpatch(exports?: unknown, version?: string): void;
}

interface OtelInstrumentation {
  setTracerProvider(provider: TracerProvider): void;
  getModuleDefinitions(): Array<{ files: ModuleFile[] }>;
}

interface MongoState {
  patch(file: string, exports: unknown, loaded: LoadedModule): unknown;
}

const VERSIONS = '>=6 <8';
const FILES = ['lib/cmap/connection', 'lib/cmap/connect', 'lib/sessions', 'lib/cmap/connection_pool'];

export const mongodb = defineInstrumentation<MongoState>({
  name: 'mongodb',
  enabledByDefault: true,
  modules: FILES.map((file) => ({
    module: 'mongodb', file, versions: VERSIONS, patch: (exports: unknown, state: MongoState, loaded: LoadedModule) => state.patch(file, exports, loaded),
  })),
  create: createMongoState,
});

function createMongoState(runtime: AgentRuntime, guard: Guard): MongoState {
  const { MongoDBInstrumentation } = nodeRequire(path.join(__dirname, 'otel-mongodb.cjs')) as {
    MongoDBInstrumentation: new (config: object) => OtelInstrumentation;
  };
  const instrumentation = new MongoDBInstrumentation({ enabled: false, requireParentSpan: true });
  instrumentation.setTracerProvider({ getTracer: (name, version) => withPeerService(trace.getTracer(name, version), runtime) });
  const files = instrumentation.getModuleDefinitions().flatMap((definition) => definition.files);
  return {
    patch(file, exports, loaded) {
      const version = loaded.version;
      const target = `mongodb/${file}.js`;
      for (const candidate of files) {
        if (candidate.name !== target || version === undefined) continue;
        if (!candidate.supportedVersions.some((range) => satisfies(version, range, { includePrerelease: true }))) continue;
        const patched = candidate.patch(exports, version);
        guard.onStop(() => candidate.unpatch(patched, version));
        return patched;
      }
      return exports;
    },
  };
}

/** The agent's tracer, adding `peer.service` to spans that name their server. */
function withPeerService(tracer: Tracer, runtime: AgentRuntime): Tracer {
  const mappings = runtime.config.serviceNameMappings;
  const addPeer = (options: SpanOptions | undefined): SpanOptions | undefined => {
    const attributes = options?.attributes;
    const host = attributes?.['server.address'];
    if (typeof host !== 'string') return options;
    const port = attributes!['server.port'];
    const extra: Attributes = { 'peer.service': peerService(host, typeof port === 'number' ? port : undefined, mappings) };
    return { ...options, attributes: { ...attributes, ...extra } };
  };
  return {
    startSpan: (name: string, options?: SpanOptions, ctx?: Context): Span => tracer.startSpan(name, addPeer(options), ctx),
    startActiveSpan: ((name: string, ...rest: unknown[]) => {
      if (rest.length >= 2 && typeof rest[0] === 'object') rest[0] = addPeer(rest[0] as SpanOptions);
      return (tracer.startActiveSpan as (...args: unknown[]) => unknown)(name, ...rest);
    }) as Tracer['startActiveSpan'],
  };
}
