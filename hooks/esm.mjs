// ESM loader hooks, for instrumented packages that an ESM app can load without going through `require`.
// import-in-the-middle wraps only the listed modules. Where the running Node has a usable synchronous
// `module.registerHooks` (import-in-the-middle's own check: 22.22.3+, 24.11.1+, 25.1+, 26+) the hooks run
// in-thread; elsewhere `module.register` starts the loader thread (measured here on Node 20: +110 ms start-up,
// +14 MiB RSS, which is why register.mjs only calls this when an enabled instrumentation needs it).
import module from 'node:module';
import { supportsSyncHooks } from 'import-in-the-middle/supports-sync-hooks.mjs';
import { register as registerSync } from 'import-in-the-middle/register-hooks.mjs';

export function registerEsmHooks(include) {
  if (typeof module.registerHooks === 'function' && supportsSyncHooks()) {
    registerSync({ include });
    return `module.registerHooks (${include.join(', ')})`;
  }
  module.register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include } });
  return `module.register (${include.join(', ')})`;
}
