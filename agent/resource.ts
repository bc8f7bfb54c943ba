/**
 * The resource every span carries: service identity, deployment environment, SDK, host and process.
 * Precedence: detected defaults < OTEL_RESOURCE_ATTRIBUTES < TRACEKIT_* (already merged into the config).
 */
import os from 'node:os';
import path from 'node:path';
import type { AgentConfig } from './config.js';
import type { ResourceRecord, SpanAttributes } from './trace/types.js';
import { AGENT_VERSION } from './version.js';

export function buildResource(config: AgentConfig): ResourceRecord {
  const attributes: SpanAttributes = {
    'host.name': safe(() => os.hostname()),
    'host.arch': os.arch(),
    'os.type': os.type().toLowerCase(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.executable.name': path.basename(process.execPath),
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': AGENT_VERSION,
    'telemetry.distro.name': '@tracekit/agent',
    'telemetry.distro.version': AGENT_VERSION,
    ...config.resourceAttributes,
    'service.name': config.serviceName,
  };
  if (config.serviceVersion !== undefined) attributes['service.version'] = config.serviceVersion;
  if (config.environment !== undefined) {
    attributes['deployment.environment.name'] = config.environment;
    // The pre-1.27 name, still read by many backends and dashboards.
    attributes['deployment.environment'] = config.environment;
  }
  return { attributes };
}

function safe(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
