/**
 * A row of the instrumentation table whose code lives in a file of its own (dist/instrumentation-<name>.cjs),
 * loaded the first time the row activates. The bundle's table is built from these (scripts/build-chunks.mjs):
 * it keeps each row's declaration (name, modules, versions, channels) and leaves out its code, so a library the
 * app never loads costs no parsing and no memory for its instrumentation. The row file is the same
 * `defineInstrumentation` row the sources have; this adapter only forwards to it.
 */
import { loadChunk } from '../chunks.js';
import type { AnyInstrumentationDefinition } from './definition.js';

/** What the bundle keeps of a row: everything but its functions. */
export interface RowDeclaration {
  readonly name: string;
  readonly enabledByDefault: boolean;
  readonly eager?: boolean;
  readonly channels?: readonly string[];
  readonly aliases?: readonly string[];
  readonly modules: readonly { readonly module: string; readonly file?: string; readonly versions: string; readonly esm?: boolean }[];
  /** Whether the row has a `disable`. */
  readonly disable: boolean;
}

export function lazyDefinition(declaration: RowDeclaration, chunk: string): AnyInstrumentationDefinition {
  let row: AnyInstrumentationDefinition | undefined;
  // Runs inside the row's guard (its `create` comes first): a missing or broken file turns this row off.
  const load = (): AnyInstrumentationDefinition => {
    if (row !== undefined) return row;
    const loaded = loadChunk<{ definition: AnyInstrumentationDefinition }>(chunk).definition;
    if (loaded?.name !== declaration.name || loaded.modules.length !== declaration.modules.length) {
      throw new Error(`dist/${chunk}.cjs does not hold the ${declaration.name} row the bundle was built with`);
    }
    return (row = loaded);
  };
  return {
    name: declaration.name,
    enabledByDefault: declaration.enabledByDefault,
    eager: declaration.eager,
    channels: declaration.channels,
    aliases: declaration.aliases,
    modules: declaration.modules.map((target, index) => ({
      ...target,
      patch: (exports: unknown, state: unknown, loaded) => {
        const own = load().modules[index];
        return own === undefined ? exports : own.patch(exports, state, loaded);
      },
    })),
    create: (runtime, guard) => load().create(runtime, guard),
    disable: declaration.disable ? (state) => row?.disable?.(state) : undefined,
  };
}
