#!/usr/bin/env node
// Builds the drift references shipped in ../reference/ from the training distribution
// (as a training job would: buildDriftReference over the training rows). Run after a
// change to features.mjs: node scripts/build-references.mjs
import { writeFileSync } from 'node:fs';
import { buildDriftReference } from '@glassbox/core';
import { MODELS, rng, sampleFeatures } from './features.mjs';

for (const [i, model] of MODELS.entries()) {
  const random = rng(1000 + i);
  const rows = Array.from({ length: 5000 }, () => sampleFeatures(model, random, 0));
  const numeric = {};
  const categorical = {};
  for (const [key, v] of Object.entries(rows[0])) {
    if (typeof v === 'number') numeric[key] = rows.map((r) => r[key]);
    else categorical[key] = rows.map((r) => r[key]);
  }
  const reference = buildDriftReference(
    { numeric, categorical },
    { bins: 10, binning: 'quantile', sampleSize: 500 },
  );
  const file = new URL(`../reference/${model}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(reference, null, 1)}\n`);
  console.log(`wrote ${file.pathname}`);
}
