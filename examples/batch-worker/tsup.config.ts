import { defineConfig } from 'tsup';

// A service bundle: one ESM entry, dependencies stay external (node_modules).
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
});
