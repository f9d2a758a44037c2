// Regenerates docs/operations/ (the assets for the default config) from the built package.
// Run with `pnpm --filter @glassbox/mixin generate:docs`; a unit test diffs the committed files.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateMixin, writeMixin } from '../dist/index.js';

const target = fileURLToPath(new URL('../../../docs/operations/', import.meta.url));
await rm(target, { recursive: true, force: true });
const written = await writeMixin(generateMixin({}), target);
console.log(`glassbox: wrote ${written.length} files to docs/operations/`);
