/**
 * Span times are epoch milliseconds as a double with sub-microsecond precision (timeOrigin + performance.now()).
 * A single number is cheaper to take and carry than OpenTelemetry's [seconds, nanos] pair; the encoders split it
 * into exact nanoseconds once, at export time.
 */
import type { TimeInput } from '@opentelemetry/api';

const origin = performance.timeOrigin;

export function now(): number {
  return origin + performance.now();
}

/** Accepts every form the OTel API allows: HrTime, Date, epoch ms, or performance.now()-relative ms. */
export function toEpochMillis(input: TimeInput | undefined): number {
  if (input === undefined) return now();
  if (typeof input === 'number') {
    // The API lets callers pass performance.now() values; anything below the time origin cannot be epoch time.
    return input < origin ? origin + input : input;
  }
  if (input instanceof Date) return input.getTime();
  if (Array.isArray(input) && input.length === 2) return input[0] * 1000 + input[1] / 1e6;
  return now();
}
