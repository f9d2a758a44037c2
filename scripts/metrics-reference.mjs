#!/usr/bin/env node
// Generates docs/metrics.md from the catalog in @glassbox/core (built dist).
// Usage: node scripts/metrics-reference.mjs [--check]
//   --check  exits 1 when docs/metrics.md is not what the catalog generates.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMetricsReference } from './metrics-reference-lib.mjs';

const target = new URL('../docs/metrics.md', import.meta.url);
const text = await renderMetricsReference();
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error('docs/metrics.md is stale: run `node scripts/metrics-reference.mjs`');
    process.exit(1);
  }
  console.log('docs/metrics.md is current');
} else {
  writeFileSync(target, text);
  console.log('wrote docs/metrics.md');
}
