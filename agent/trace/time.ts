/**
 * Span times are epoch milliseconds as a double with sub-microsecond precision (timeOrigin + performance.now()).
 * A single number is cheaper to take and carry than OpenTelemetry's [seconds, nanos] pair; the encoders split it
 * into exact nanoseconds once, at export time.
 */
import type { TimeInput } from '@opentelemetry/api';

// Read on first use: touching the `performance` global loads perf_hooks, which start-up should not pay for.
let origin: number | undefined;

function timeOrigin(): number {
  return (origin ??= performance.timeOrigin);
}

export function now(): number {
  return timeOrigin() + performance.now();
}

/** Accepts every form the OTel API allows: HrTime, Date, epoch ms, or performance.now()-relative ms. */
export function toEpochMillis(input: TimeInput | undefined): number {
  if (input === undefined) return now();
  if (typeof input === 'number') {
    // The API lets callers pass performance.now() values; anything below the time origin cannot be epoch time.
    const base = timeOrigin();
    return input < base ? base + input : input;
  }
  if (input instanceof Date) return input.getTime();
  if (Array.isArray(input) && input.length === 2) return input[0] * 1000 + input[1] / 1e6;
  return now();
}
