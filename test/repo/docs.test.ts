import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { renderMetricsReference } from '../../scripts/metrics-reference-lib.mjs';

describe('generated docs', () => {
  it('docs/metrics.md is what the catalog generates (run `node scripts/metrics-reference.mjs`)', async () => {
    const committed = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    expect(committed).toBe(await renderMetricsReference());
  });
});
