import { defineConfig } from 'tsup';

/**
 * The one build preset every published package re-exports from its own
 * `tsup.config.ts`: ESM + CJS + .d.ts/.d.cts for each entry under src/ listed in
 * the package's exports map, Node 20 target, no bundled dependencies.
 */
export function glassboxPreset(entry: Record<string, string> = { index: 'src/index.ts' }) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    shims: false,
  });
}

export default glassboxPreset();
