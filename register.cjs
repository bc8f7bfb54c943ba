// `node -r @tracekit/agent/register app.js` (CommonJS preload). Same guards as register.mjs. ESM loader hooks
// need --import; an app started with -r gets the CommonJS hooks and the diagnostics-channel instrumentations.
'use strict';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 6)) {
  process.stderr.write(`[tracekit] warning: Node.js ${process.versions.node} is not supported (>= 20.6 needed); the agent is off and the app runs untraced\n`);
} else if (!/^(false|0|no|off)$/i.test((process.env.TRACEKIT_ENABLED || '').trim())) {
  try {
    require('./dist/agent.cjs').register({ entry: 'require', esmHooks: '' });
  } catch (error) {
    process.stderr.write(`[tracekit] warning: the agent could not start (${(error && error.message) || error}); the app runs untraced\n`);
  }
}
