/** TRACEKIT_SAMPLE_RATE, else the OTel sampler variables; the OTel default (parentbased_always_on) otherwise. */
import { parseRatio } from './parse.js';

export type SamplerType =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface SamplerConfig {
  readonly type: SamplerType;
  /** The traceidratio ratio; 1 for the always_on kinds, 0 for the always_off kinds. */
  readonly ratio: number;
}

const SAMPLER_TYPES: readonly SamplerType[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const DEFAULT_SAMPLER: SamplerConfig = { type: 'parentbased_always_on', ratio: 1 };

export function readSampler(
  get: (name: string) => string | undefined,
  warn: (message: string) => void,
  show: (value: string) => string,
): SamplerConfig {
  const rate = get('TRACEKIT_SAMPLE_RATE');
  if (rate !== undefined) {
    const ratio = parseRatio(rate);
    if (ratio !== undefined) return { type: 'parentbased_traceidratio', ratio };
    warn(`TRACEKIT_SAMPLE_RATE=${show(rate)} is not a number from 0 to 1; using the default sampler parentbased_always_on (ratio 1)`);
    return DEFAULT_SAMPLER;
  }

  const name = get('OTEL_TRACES_SAMPLER');
  if (name === undefined) return DEFAULT_SAMPLER;
  const type = SAMPLER_TYPES.find((t) => t === name.toLowerCase());
  if (type === undefined) {
    // jaeger_remote, parentbased_jaeger_remote and xray need a remote sampling service this agent does not talk to.
    warn(`OTEL_TRACES_SAMPLER=${show(name)} is not supported (supported: ${SAMPLER_TYPES.join(', ')}); using the default parentbased_always_on`);
    return DEFAULT_SAMPLER;
  }
  if (!type.endsWith('traceidratio')) return { type, ratio: type.endsWith('always_off') ? 0 : 1 };

  // The OTel spec: OTEL_TRACES_SAMPLER_ARG defaults to 1.0 and is ignored by the samplers that take no argument.
  const arg = get('OTEL_TRACES_SAMPLER_ARG');
  if (arg === undefined) return { type, ratio: 1 };
  const ratio = parseRatio(arg);
  if (ratio !== undefined) return { type, ratio };
  warn(`OTEL_TRACES_SAMPLER_ARG=${show(arg)} is not a number from 0 to 1; using the default ratio 1`);
  return { type, ratio: 1 };
}
