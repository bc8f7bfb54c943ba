/**
 * The rows the agent runs: the table, plus rows a preload registered before the agent under
 * `Symbol.for('tracekit.instrumentations')` (an array of definitions). That hook exists so that an
 * instrumentation can be tried out, and tested, as a row of its own without rebuilding the agent; the agent's own
 * integrations all live in table.ts.
 */
import type { AnyInstrumentationDefinition } from './definition.js';
import { INSTRUMENTATIONS } from './table.js';

const kExtra = Symbol.for('tracekit.instrumentations');

export function allDefinitions(): readonly AnyInstrumentationDefinition[] {
  const extra = (globalThis as { [kExtra]?: unknown })[kExtra];
  if (!Array.isArray(extra)) return INSTRUMENTATIONS;
  const valid = extra.filter((row): row is AnyInstrumentationDefinition =>
    row != null && typeof row === 'object' && typeof row.name === 'string' && Array.isArray(row.modules) && typeof row.create === 'function');
  return [...INSTRUMENTATIONS, ...valid];
}

/** Packages some row intercepts in ESM too: register.mjs registers the ESM loader hooks only when there are any. */
export function esmModuleNames(): string[] {
  const names = new Set<string>();
  for (const row of allDefinitions()) {
    for (const target of row.modules) {
      if (target.esm === true) names.add(target.file === undefined ? target.module : `${target.module}/${target.file}`);
    }
  }
  return [...names];
}
