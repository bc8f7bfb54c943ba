/** Replaced at build time from package.json (scripts/build.mjs); the fallback serves tests that run the source. */
declare const __TRACEKIT_AGENT_VERSION__: string | undefined;

export const AGENT_VERSION: string =
  typeof __TRACEKIT_AGENT_VERSION__ === 'string' ? __TRACEKIT_AGENT_VERSION__ : '0.0.0-dev';
