/**
 * `require` for loading builtins and bundled packages on demand. In the CommonJS bundle it is the module's own
 * `require`; when the TypeScript sources run as ES modules (unit tests through tsx) there is none, so one is made.
 */
import { createRequire } from 'node:module';

export const nodeRequire: NodeJS.Require = typeof require === 'function' ? require : createRequire(`${process.cwd()}/`);
