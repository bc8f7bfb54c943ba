/**
 * The service's identity for the resource of every span: name, version, environment and OTEL_RESOURCE_ATTRIBUTES.
 * Precedence (first set wins): TRACEKIT_* → OTEL_* → the resource attributes → package.json → the default.
 * These values travel with every span (to the Local UI too) and the name goes into the code-monitoring poll URL, so
 * an API key pasted into one is masked and an over-long value is cut, each with one warning.
 */
import { parseKeyValueList } from './parse.js';

const DEFAULT_SERVICE_NAME = 'node-app';
/** A 100 KB service name would make every poll fail (URL too long) and bloat every batch. */
export const MAX_RESOURCE_VALUE_LENGTH = 256;

export interface ResourceInput {
  get: (name: string) => string | undefined;
  warn: (message: string) => void;
  /** Quotes a configured value for a message (and scrubs secrets from it). */
  show: (value: string) => string;
  holdsSecret: (value: string) => boolean;
  /** Replaces every API key in a value by its masked form. */
  scrub: (value: string) => string;
  /** `${cwd}/package.json` as text, undefined when there is none (may throw). */
  readPackageJson: () => string | undefined;
}

export interface ResourceValues {
  resourceAttributes: Record<string, string>;
  serviceName: string;
  serviceVersion: string | undefined;
  environment: string | undefined;
}

type Candidate = [source: string, value: string | undefined];

function first(...candidates: Candidate[]): [string, string] | undefined {
  return candidates.find((candidate): candidate is [string, string] => candidate[1] !== undefined);
}

export function readResource(input: ResourceInput): ResourceValues {
  const { get, warn, show, holdsSecret, scrub } = input;
  const bounded = (source: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    let out = value;
    if (holdsSecret(out)) {
      warn(`${source} holds the API key; it is masked in the spans and everywhere else (a pasting mistake?)`);
      out = scrub(out);
    }
    if (out.length > MAX_RESOURCE_VALUE_LENGTH) {
      warn(`${source} is ${out.length} characters long; using its first ${MAX_RESOURCE_VALUE_LENGTH}`);
      out = out.slice(0, MAX_RESOURCE_VALUE_LENGTH);
    }
    return out;
  };

  const resourceAttributes: Record<string, string> = {};
  const rawResource = get('OTEL_RESOURCE_ATTRIBUTES');
  if (rawResource !== undefined) {
    const list = parseKeyValueList(rawResource, { percentDecode: true, splitAtFirstEquals: false, allowEmptyValue: true });
    for (const bad of list.invalid) warn(`OTEL_RESOURCE_ATTRIBUTES entry ${show(bad.entry)} is invalid (${bad.reason}); skipping it`);
    // Only masked here: a long custom attribute goes into span bodies, never a URL or a header.
    for (const [k, v] of list.entries) resourceAttributes[k] = holdsSecret(v) ? bounded(`OTEL_RESOURCE_ATTRIBUTES entry ${k}`, v) ?? v : v;
  }
  const attr = (key: string): string | undefined => {
    const v = Object.prototype.hasOwnProperty.call(resourceAttributes, key) ? resourceAttributes[key]?.trim() : undefined;
    return v === '' ? undefined : v;
  };
  let packageJson: Record<string, unknown> | undefined;
  const fromPackageJson = (field: 'name' | 'version'): string | undefined => {
    if (packageJson === undefined) {
      packageJson = {};
      try {
        const text = input.readPackageJson();
        const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
        if (parsed !== null && typeof parsed === 'object') packageJson = parsed as Record<string, unknown>;
      } catch {
        // A broken package.json only costs the default service name; the app will report it itself.
      }
    }
    const v = packageJson[field];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };

  const name = first(['TRACEKIT_SERVICE_NAME', get('TRACEKIT_SERVICE_NAME')], ['OTEL_SERVICE_NAME', get('OTEL_SERVICE_NAME')],
    ['service.name in OTEL_RESOURCE_ATTRIBUTES', attr('service.name')]);
  const packageName = name === undefined ? fromPackageJson('name') : undefined;
  const serviceName = bounded(name?.[0] ?? 'the name in package.json', name?.[1] ?? packageName) ?? DEFAULT_SERVICE_NAME;
  // package.json's version describes the service only when its name does too (a monorepo root's would not).
  const version = first(['TRACEKIT_SERVICE_VERSION', get('TRACEKIT_SERVICE_VERSION')], ['service.version in OTEL_RESOURCE_ATTRIBUTES', attr('service.version')],
    ['the version in package.json', packageName !== undefined ? fromPackageJson('version') : undefined]);
  const environment = first(['TRACEKIT_ENVIRONMENT', get('TRACEKIT_ENVIRONMENT')],
    ['deployment.environment.name in OTEL_RESOURCE_ATTRIBUTES', attr('deployment.environment.name')],
    ['deployment.environment in OTEL_RESOURCE_ATTRIBUTES', attr('deployment.environment')], ['ENV', get('ENV')], ['NODE_ENV', get('NODE_ENV')]);
  return {
    resourceAttributes,
    serviceName,
    serviceVersion: version === undefined ? undefined : bounded(...version),
    environment: environment === undefined ? undefined : bounded(...environment),
  };
}
