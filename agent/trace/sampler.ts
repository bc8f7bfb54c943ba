/** Maps the configured sampler to the OpenTelemetry SDK's samplers (no reason to re-implement these). */
import type { Sampler } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';

import type { SamplerType } from '../config/sampler.js';

export type { SamplerType };

export function createSampler(type: SamplerType, ratio: number): Sampler {
  switch (type) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratioSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratioSampler(ratio) });
    case 'parentbased_always_on':
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function ratioSampler(ratio: number): Sampler {
  // The ratio sampler's edge cases cost a hash per span; 0 and 1 are common settings and need none.
  if (ratio >= 1) return new AlwaysOnSampler();
  if (ratio <= 0) return new AlwaysOffSampler();
  return new TraceIdRatioBasedSampler(ratio);
}

export function describeSampler(type: SamplerType, ratio: number): string {
  return type.endsWith('traceidratio') ? `${type} (ratio ${ratio})` : type;
}

/** Whether the sampler `createSampler` builds is parent-based with the default samplers for local parents. */
export function followsLocalParent(type: SamplerType): boolean {
  return !(type === 'always_on' || type === 'always_off' || type === 'traceidratio');
}
