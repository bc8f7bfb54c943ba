// Builds the Local UI page into dist/local-ui/: one script (the page's modules plus uPlot), one stylesheet and
// index.html. Bundled at build time so the installed package carries a few kilobytes of page and no chart
// library dependency, and the page needs nothing from the network.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

export async function buildLocalUiPage(outDir = 'dist') {
  mkdirSync(`${outDir}/local-ui`, { recursive: true });
  await build({
    entryPoints: { app: 'local-ui/page/main.mjs' },
    bundle: true,
    outdir: `${outDir}/local-ui`,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    minify: true,
    // uPlot's MIT notice travels with the bundle.
    legalComments: 'eof',
    logLevel: 'warning',
  });
  copyFileSync('local-ui/page/index.html', `${outDir}/local-ui/index.html`);
}
