/**
 * Processes that are tools, not apps: `NODE_OPTIONS=--import @tracekit/agent/register` reaches every Node process
 * of a shell or a Dockerfile, so `RUN npm ci` would start an agent that prints its banner and traces npm's own
 * registry requests under the app's service name. The agent stays off in the package managers, in the tsx CLI's
 * wrapper (the app it starts is a separate process, with its own agent) and in the Local UI server.
 * ts-node is not listed: it runs the app in its own process, which is the one to trace.
 * Recognised by the main script's real path (bin links are symlinks: /usr/bin/npm → …/npm/bin/npm-cli.js).
 */
import { realpathSync } from 'node:fs';

const TOOLS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['npm', /\/npm\/bin\/np[mx]-cli\.js$/],
  ['corepack', /\/corepack\/dist\/(corepack|npm|npx|pnpm|pnpx|yarn|yarnpkg)\.js$/],
  // Also the copies corepack downloads into its cache: …/corepack/v1/yarn/4.1.0/yarn.js, …/pnpm/9.8.0/dist/pnpm.cjs.
  ['yarn', /\/yarn\/(bin\/yarn(\.js)?|lib\/cli\.js)$|\/\.yarn\/releases\/yarn-[^/]+\.c?js$|\/corepack\/(v\d+\/)?yarn\/[^/]+\/yarn\.c?js$/],
  ['pnpm', /\/pnpm\/([^/]+\/)?(bin|dist)\/(pnpm|pnpx)\.c?js$/],
  ['the tsx CLI wrapper', /\/tsx\/dist\/cli\.[cm]?js$/],
  // The Local UI server ships in this package (`tracekit-local` is its bin: …/@tracekit/agent/local-ui/bin.mjs).
  ['tracekit-local', /\/@tracekit\/agent\/local-ui\/bin\.mjs$|\/@tracekit\/local-ui\/|\/tracekit-local(\.[cm]?js)?$/],
];

/** The tool this process is, or undefined for an app. Never throws. */
export function toolProcess(mainScript: string | undefined): string | undefined {
  if (typeof mainScript !== 'string' || mainScript === '') return undefined;
  let path = mainScript;
  try {
    path = realpathSync(mainScript);
  } catch {
    // `node -e`, a deleted file: match the path as given.
  }
  const normalised = path.replace(/\\/g, '/');
  for (const [name, pattern] of TOOLS) if (pattern.test(normalised)) return name;
  return undefined;
}
