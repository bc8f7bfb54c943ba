// The handle's TypeScript declarations: test/types/*.ts use every method of `tracekit` through
// `import { tracekit } from '@tracekit/agent'`, `require('@tracekit/agent')` and the global from
// `@tracekit/agent/global`, and must compile under strict settings; test/types/invalid/misuse.ts holds lines that must
// NOT compile, each with the error it must give, so that a broken or `any`-typed declaration cannot pass unnoticed.
// The declarations are dist/types (npm run build). A scratch project with node_modules/@tracekit/agent linked to this
// repo checks them the way an installed package is seen (exports "types" conditions, /// <reference types>).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = join(ROOT, 'test/types');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** Runs tsc with this Node; resolves { code, output } (never rejects on a compile error). */
function tsc(args, cwd = ROOT) {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** `file(line,col): error TSnnnn` lines of tsc's output → ['file:line TSnnnn', …] (file name only). */
function errorsOf(output) {
  const errors = [];
  for (const match of output.matchAll(/^(?:.*[\\/])?([^\\/(]+)\((\d+),\d+\): error (TS\d+)/gm)) errors.push(`${match[1]}:${match[2]} ${match[3]}`);
  return errors.sort();
}

/** Lines marked `// error TSnnnn` in a file → ['file:line TSnnnn', …]. */
function expectedErrors(path) {
  const name = path.split(/[\\/]/).pop();
  const expected = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    const match = /\/\/ error (TS\d+)\s*$/.exec(line);
    if (match) expected.push(`${name}:${i + 1} ${match[1]}`);
  });
  return expected.sort();
}

test('the declarations exist (npm run build emits dist/types)', () => {
  assert.ok(existsSync(join(ROOT, 'dist/types/index.d.ts')), 'dist/types/index.d.ts missing: run npm run build');
  assert.ok(existsSync(join(ROOT, 'global.d.ts')));
});

test('test/types (every method, import + require + global) compiles: tsc -p test/types/tsconfig.json exits 0', async () => {
  const { code, output } = await tsc(['-p', 'test/types/tsconfig.json']);
  assert.equal(code, 0, output);
  assert.equal(output.trim(), '');
});

test('test/types/invalid/misuse.ts fails with exactly the marked errors (the type test is not vacuous)', async () => {
  const expected = expectedErrors(join(TYPES, 'invalid/misuse.ts'));
  assert.ok(expected.length >= 8, `only ${expected.length} marked lines`);
  assert.ok(expected.some((e) => e.endsWith('TS2345')), 'the MAYBE status line must be among them');
  const { code, output } = await tsc(['-p', 'test/types/invalid/tsconfig.json']);
  assert.notEqual(code, 0, `tsc accepted misuse.ts:\n${output}`);
  assert.deepStrictEqual(errorsOf(output), expected, output);
  assert.match(output, /'"MAYBE"' is not assignable to parameter of type 'SpanStatusName \| undefined'/);
});

describe('as an installed package (scratch project, node_modules/@tracekit/agent → this repo)', () => {
  /** A scratch project: { dir, compile(files, compilerOptions, packageType) → { code, output } }. */
  function scratch(t) {
    const dir = mkdtempSync(join(tmpdir(), 'tracekit-types-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const [link, target] of [
      ['node_modules/@tracekit/agent', ROOT],
      ['node_modules/@types/node', join(ROOT, 'node_modules/@types/node')],
      ['node_modules/@opentelemetry/api', join(ROOT, 'node_modules/@opentelemetry/api')],
    ]) {
      mkdirSync(join(dir, link, '..'), { recursive: true });
      symlinkSync(target, join(dir, link), 'dir');
    }
    for (const file of ['handle-usage.ts', 'global-usage.ts', 'global-reference.ts', 'require-usage.cts']) copyFileSync(join(TYPES, file), join(dir, file));
    return {
      dir,
      compile(files, compilerOptions, packageType) {
        writeFileSync(join(dir, 'package.json'), JSON.stringify(packageType ? { type: packageType } : {}));
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
          compilerOptions: { target: 'ES2022', lib: ['ES2022'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false, ...compilerOptions },
          files,
        }));
        return tsc(['-p', '.'], dir);
      },
    };
  }

  test('ESM app, module/moduleResolution NodeNext: import, require (.cts), global import and /// <reference types>', async (t) => {
    const project = scratch(t);
    const { code, output } = await project.compile(
      ['handle-usage.ts', 'global-usage.ts', 'global-reference.ts', 'require-usage.cts'],
      { module: 'NodeNext', moduleResolution: 'NodeNext' },
      'module',
    );
    assert.equal(code, 0, output);
  });

  test('bundler resolution (module ESNext): import, global import and /// <reference types>', async (t) => {
    const project = scratch(t);
    const { code, output } = await project.compile(
      ['handle-usage.ts', 'global-usage.ts', 'global-reference.ts'],
      { module: 'ESNext', moduleResolution: 'Bundler' },
      'module',
    );
    assert.equal(code, 0, output);
  });

  test('legacy node10 resolution (module CommonJS, no exports map): top-level "types" and global.d.ts', async (t) => {
    const project = scratch(t);
    const { code, output } = await project.compile(
      ['handle-usage.ts', 'global-usage.ts', 'global-reference.ts', 'require-usage.cts'],
      { module: 'CommonJS', moduleResolution: 'Node10', esModuleInterop: true },
    );
    assert.equal(code, 0, output);
  });

  test('CommonJS app, module Node16 (as @tsconfig/node20 sets it): import of the package compiles', {
  }, async (t) => {
    const project = scratch(t);
    const { code, output } = await project.compile(['handle-usage.ts', 'require-usage.cts'], { module: 'Node16', moduleResolution: 'Node16' });
    assert.equal(code, 0, output);
  });
});
