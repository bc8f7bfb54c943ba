// Compiles the NestJS test fixture (test/fixtures/nest/app.ts) with the TypeScript compiler, the way Nest apps
// ship: decorators with their design-time metadata. One output per NestJS major, inside that major's workspace
// (test/apps/nestNN/dist, gitignored), so that the compiled app resolves its own @nestjs packages; CommonJS and
// ESM outputs for the majors whose packages support each.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SOURCE = path.join(ROOT, 'test/fixtures/nest/app.ts');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

// Nest 10 and 11 are CommonJS packages (importable from ESM too); Nest 12 is ESM only.
const TARGETS = [
  { app: 'nest10', formats: ['cjs'] },
  { app: 'nest11', formats: ['cjs', 'esm'] },
  { app: 'nest12', formats: ['esm'] },
];

let checked = false;
for (const { app, formats } of TARGETS) {
  for (const format of formats) {
    const outDir = path.join(ROOT, 'test/apps', app, 'dist', format);
    fs.rmSync(outDir, { recursive: true, force: true });
    execFileSync(process.execPath, [
      TSC, SOURCE,
      '--outDir', outDir,
      '--target', 'es2022',
      '--module', format === 'cjs' ? 'commonjs' : 'es2022',
      '--moduleResolution', format === 'cjs' ? 'node10' : 'bundler',
      '--experimentalDecorators', '--emitDecoratorMetadata',
      '--strict', '--skipLibCheck', '--esModuleInterop',
      '--types', 'node',
      // Type-checked once (against the hoisted @nestjs types); the other outputs only differ in module format.
      ...(checked ? ['--noCheck'] : []),
    ], { stdio: 'inherit', cwd: ROOT });
    checked = true;
    fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: format === 'cjs' ? 'commonjs' : 'module' })}\n`);
  }
}
