// `node --import @tracekit/agent/register app.js`
// Tiny and unbundled on purpose (it must parse on any Node that has --import): it checks the Node version and the
// off switch, then hands over to the bundled agent in dist/. Nothing here may throw into the app.
import { createRequire } from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 6)) {
  process.stderr.write(`[tracekit] warning: Node.js ${process.versions.node} is not supported (>= 20.6 needed); the agent is off and the app runs untraced\n`);
} else if (!/^(false|0|no|off)$/i.test((process.env.TRACEKIT_ENABLED ?? '').trim())) {
  try {
    const agent = createRequire(import.meta.url)('./dist/agent.cjs');
    const esmModules = agent.esmModules();
    let esmHooks = '';
    if (esmModules.length > 0) {
      const { registerEsmHooks } = await import('./hooks/esm.mjs');
      esmHooks = registerEsmHooks(esmModules);
    }
    agent.register({ entry: 'import', esmHooks });
  } catch (error) {
    process.stderr.write(`[tracekit] warning: the agent could not start (${error?.message ?? error}); the app runs untraced\n`);
  }
}
