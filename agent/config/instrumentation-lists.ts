/**
 * TRACEKIT_DISABLED_INSTRUMENTATIONS and TRACEKIT_ENABLED_INSTRUMENTATIONS: comma-separated names out of the
 * instrumentation table. Unknown names are reported once, with the list of known ones, and ignored.
 */
import { INSTRUMENTATION_NAMES } from '../instrument/names.js';
import { splitList } from './parse.js';

export interface InstrumentationLists {
  readonly disabled: ReadonlySet<string>;
  readonly enabled: ReadonlySet<string>;
}

export function readInstrumentationLists(
  get: (name: string) => string | undefined,
  warn: (message: string) => void,
  show: (value: string) => string,
  autoInstrumentHttpClient: boolean,
): InstrumentationLists {
  const read = (variable: string): Set<string> => {
    const names = new Set<string>();
    const unknown: string[] = [];
    for (const entry of splitList(get(variable) ?? '')) {
      const lower = entry.toLowerCase();
      if ((INSTRUMENTATION_NAMES as readonly string[]).includes(lower)) names.add(lower);
      else unknown.push(entry);
    }
    if (unknown.length > 0) {
      warn(`${variable}: unknown ${unknown.map(show).join(', ')} ignored; known names: ${INSTRUMENTATION_NAMES.join(', ')}`);
    }
    return names;
  };
  const disabled = read('TRACEKIT_DISABLED_INSTRUMENTATIONS');
  const enabled = read('TRACEKIT_ENABLED_INSTRUMENTATIONS');
  if (!autoInstrumentHttpClient) {
    disabled.add('http-client');
    disabled.add('fetch');
  }
  return { disabled, enabled };
}
