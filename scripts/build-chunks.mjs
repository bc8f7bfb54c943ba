// Builds dist/agent.cjs as a start-up bundle plus files loaded on demand ("chunks"):
//   - each instrumentation row that waits for its library (pg, koa, openai, ...) gets dist/instrumentation-<row>.cjs,
//     loaded by the row's first activation (agent/instrument/lazy-definition.ts);
//   - code monitoring gets dist/snapshots.cjs, loaded by start.ts when it is on.
// Every app used to parse and keep all of them at start-up (a third of the bundle's instructions there).
//
// How the pieces stay one program:
//   1. The table's rows are read by running the source table once in a throwaway bundle. The bundle's table keeps
//      each lazy row's declaration (names, versions, channels) and refers to its file, so the row's own source
//      file stays the one place that defines it.
//   2. A module in the start-up bundle must exist once per process (the log's warn-once memory, the
//      OpenTelemetry API copy, the active-request lookup). A chunk therefore never bundles a module the start-up
//      bundle has: it takes that module's exports from `require('./agent.cjs').kernel`, which the start-up bundle
//      exports for exactly the modules chunks use. The build fails if a chunk would carry a copy.
//   3. Modules only chunks use are bundled into each chunk that uses them. They must hold no state that two
//      chunks need to share (today: caches, constants and classes).
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const TABLE = path.join(ROOT, 'agent/instrument/table.ts');
const INSTRUMENT_DIR = path.join(ROOT, 'agent/instrument');
/** Chunks named by hand: a name, and the source module whose exports it carries. */
const EXTRA_CHUNKS = [{ name: 'snapshots', entry: path.join(ROOT, 'agent/snapshots/monitor.ts') }];
const KERNEL_NAMESPACE = 'tracekit-kernel';

/**
 * @param common esbuild options shared with the other bundles
 * @param stage the folder the files are written to
 * @param plugins plugins both the start-up bundle and the chunks need (the guard kept external)
 */
export async function buildAgentWithChunks({ common, stage, plugins }) {
  const rows = await readTableRows(common, stage);
  const chunks = [
    ...rows.filter((row) => row.lazy).map((row) => ({
      name: `instrumentation-${row.declaration.name}`,
      contents: `export { ${row.exportName} as definition } from ${JSON.stringify(row.file)};`,
    })),
    ...EXTRA_CHUNKS.map(({ name, entry }) => ({ name, contents: `export * from ${JSON.stringify(entry)};` })),
  ];
  const tablePlugin = generatedTable(rows);

  // Pass 1: which modules the start-up bundle holds, and which of their exports chunks import.
  const first = await build({ ...common, ...coreOptions(stage), plugins: [...plugins, tablePlugin, coreEntry(new Map())], write: false, metafile: true });
  const coreInputs = first.metafile.inputs;
  const needed = new Map();
  for (const chunk of chunks) {
    const probe = await build({
      ...common, ...chunkOptions(chunk, stage), write: false, metafile: true,
      plugins: [...plugins, chunkEntry(chunk), kernelImports(coreInputs, undefined)],
    });
    noteKernelImports(probe.metafile.inputs, needed);
  }

  // Pass 2: the start-up bundle with its kernel, then each chunk taking those modules from it.
  await build({ ...common, ...coreOptions(stage), plugins: [...plugins, tablePlugin, coreEntry(needed)] });
  for (const chunk of chunks) {
    const result = await build({
      ...common, ...chunkOptions(chunk, stage), metafile: true,
      plugins: [...plugins, chunkEntry(chunk), kernelImports(coreInputs, needed)],
    });
    const copies = Object.keys(result.metafile.inputs).filter((file) => coreInputs[file] !== undefined);
    if (copies.length > 0) throw new Error(`${chunk.name}.cjs would carry its own copy of ${copies.join(', ')}`);
  }
  return { chunks: chunks.map((chunk) => chunk.name), lazyRows: rows.filter((row) => row.lazy).map((row) => row.declaration.name) };
}

function coreOptions(stage) {
  return { entryPoints: ['tracekit-core-entry'], outfile: `${stage}/agent.cjs`, format: 'cjs' };
}

function chunkOptions(chunk, stage) {
  return { entryPoints: [`tracekit-chunk:${chunk.name}`], outfile: `${stage}/${chunk.name}.cjs`, format: 'cjs' };
}

/**
 * Reads the source table by running it: each row's declaration, and the module and export that define the row.
 * A row is lazy when it waits for a library (it has modules and is not eager); the others run at start and stay in
 * the start-up bundle.
 */
async function readTableRows(common, stage) {
  const files = readdirSync(INSTRUMENT_DIR).filter((name) => name.endsWith('.ts') && name !== 'otel-mongodb-entry.ts').map((name) => path.join(INSTRUMENT_DIR, name));
  const contents = [`export { INSTRUMENTATIONS } from ${JSON.stringify(TABLE)};`,
    ...files.map((file, index) => `export * as m${index} from ${JSON.stringify(file)};`)].join('\n');
  const outfile = path.join(ROOT, stage, '.table-rows.cjs');
  await build({
    ...common, stdin: { contents, resolveDir: ROOT, loader: 'ts' }, outfile, format: 'cjs', sourcemap: false, minify: false,
  });
  let bundle;
  try {
    bundle = createRequire(import.meta.url)(outfile);
  } finally {
    rmSync(outfile, { force: true });
  }
  return bundle.INSTRUMENTATIONS.map((row) => {
    let source;
    for (const [index, file] of files.entries()) {
      const exportName = Object.keys(bundle[`m${index}`]).find((name) => bundle[`m${index}`][name] === row);
      if (exportName !== undefined && file !== TABLE) source = { file, exportName };
    }
    if (source === undefined) throw new Error(`row ${row.name}: no module of agent/instrument exports it`);
    const declaration = {
      name: row.name,
      enabledByDefault: row.enabledByDefault,
      ...(row.eager === undefined ? {} : { eager: row.eager }),
      ...(row.channels === undefined ? {} : { channels: [...row.channels] }),
      ...(row.aliases === undefined ? {} : { aliases: [...row.aliases] }),
      modules: row.modules.map(({ module, file, versions, esm }) => ({ module, file, versions, esm })),
      disable: typeof row.disable === 'function',
    };
    return { ...source, declaration, lazy: row.modules.length > 0 && row.eager !== true };
  });
}

/** The start-up bundle's table: rows that run at start imported as they are, lazy rows as declarations. */
function generatedTable(rows) {
  const eager = rows.filter((row) => !row.lazy);
  const contents = [
    `import { lazyDefinition } from ${JSON.stringify(path.join(INSTRUMENT_DIR, 'lazy-definition.ts'))};`,
    ...eager.map((row, index) => `import { ${row.exportName} as eager${index} } from ${JSON.stringify(row.file)};`),
    'export const INSTRUMENTATIONS = [',
    ...rows.map((row) => row.lazy
      ? `  lazyDefinition(${JSON.stringify(row.declaration)}, ${JSON.stringify(`instrumentation-${row.declaration.name}`)}),`
      : `  eager${eager.indexOf(row)},`),
    '];',
  ].join('\n');
  return {
    name: 'generated-table',
    setup(b) {
      b.onLoad({ filter: /[\\/]agent[\\/]instrument[\\/]table\.ts$/ }, () => ({ contents, loader: 'ts', resolveDir: INSTRUMENT_DIR }));
    },
  };
}

/**
 * The start-up bundle's entry: register.ts, plus `kernel`, the exports chunks take from it, by module. Only the
 * names chunks import are listed, so that the bundle's tree shaking still drops the rest (a namespace import of
 * @opentelemetry/core would keep all of it).
 */
function coreEntry(needed) {
  const files = [...needed.keys()].sort();
  const contents = [
    `export * from ${JSON.stringify(path.join(ROOT, 'agent/register.ts'))};`,
    ...files.map((file, index) => `import { ${[...needed.get(file)].map((name, n) => `${name} as k${index}_${n}`).join(', ')} } from ${JSON.stringify(path.join(ROOT, file))};`),
    `export const kernel = { ${files.map((file, index) => `${JSON.stringify(file)}: { ${[...needed.get(file)].map((name, n) => `${JSON.stringify(name)}: k${index}_${n}`).join(', ')} }`).join(', ')} };`,
  ].join('\n');
  return {
    name: 'core-entry',
    setup(b) {
      b.onResolve({ filter: /^tracekit-core-entry$/ }, () => ({ path: 'core-entry', namespace: 'tracekit-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'tracekit-entry' }, () => ({ contents, loader: 'ts', resolveDir: ROOT }));
    },
  };
}

function chunkEntry(chunk) {
  return {
    name: 'chunk-entry',
    setup(b) {
      b.onResolve({ filter: /^tracekit-chunk:/ }, () => ({ path: chunk.name, namespace: 'tracekit-chunk' }));
      b.onLoad({ filter: /.*/, namespace: 'tracekit-chunk' }, () => ({ contents: chunk.contents, loader: 'ts', resolveDir: ROOT }));
    },
  };
}

/**
 * In a chunk, an import of a module the start-up bundle holds becomes that module's exports from the kernel, copied
 * once into constants of the chunk: no getter on each use (the agent exports no `let` that changes later). Without
 * `needed` (the first pass) every such module is an empty stand-in, only there to be noted in the metafile.
 */
function kernelImports(coreInputs, needed) {
  return {
    name: 'kernel-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        // The one import a kernel module makes.
        if (args.namespace === KERNEL_NAMESPACE) return { path: './agent.cjs', external: true };
        if (args.pluginData?.kernelResolve === true) return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { kernelResolve: true } });
        if (resolved.errors.length > 0 || resolved.external || resolved.path === '') return undefined;
        const file = path.relative(ROOT, resolved.path);
        return coreInputs[file] === undefined ? undefined : { path: file, namespace: KERNEL_NAMESPACE };
      });
      b.onLoad({ filter: /.*/, namespace: KERNEL_NAMESPACE }, (args) => {
        if (needed === undefined) return { contents: 'module.exports = {};', loader: 'js' };
        const lines = [`import { kernel } from './agent.cjs';`, `const k = kernel[${JSON.stringify(args.path)}];`];
        for (const [index, name] of [...(needed.get(args.path) ?? [])].entries()) {
          lines.push(`const v${index} = k[${JSON.stringify(name)}];`, `export { v${index} as ${name} };`);
        }
        return { contents: lines.join('\n'), loader: 'js', resolveDir: ROOT };
      });
    },
  };
}

/**
 * Adds to `needed` (module → names) what the chunk's source files import from kernel modules, read from their
 * import statements. A namespace import would need every export and is refused: import the names.
 */
function noteKernelImports(inputs, needed) {
  for (const [file, input] of Object.entries(inputs)) {
    const fromKernel = new Map(input.imports.filter((entry) => entry.path.startsWith(`${KERNEL_NAMESPACE}:`))
      .map((entry) => [entry.original, entry.path.slice(KERNEL_NAMESPACE.length + 1)]));
    if (fromKernel.size === 0) continue;
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    for (const [, clause, specifier] of source.matchAll(/^\s*(?:import|export)\s+(?!type\s)([\w$\s,{}*]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
      const target = fromKernel.get(specifier);
      if (target === undefined) continue;
      if (clause.includes('*')) throw new Error(`${file}: a namespace import of ${specifier}, which a chunk takes from the start-up bundle; import the names`);
      const names = needed.get(target) ?? new Set();
      needed.set(target, names);
      const [, defaultName, list] = /^([\w$]+)?\s*,?\s*(?:\{([^}]*)\})?$/.exec(clause.trim()) ?? [];
      if (defaultName !== undefined) names.add('default');
      for (const item of (list ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '' && !part.startsWith('type '))) {
        names.add(item.split(/\s+as\s+/)[0]);
      }
    }
  }
}
