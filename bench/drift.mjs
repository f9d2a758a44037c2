#!/usr/bin/env node
// Drift decisions: false-alarm rate and power, measured by simulation (not a timed test).
//
//   node scripts/pnpm.mjs --filter @glassbox/core build   # the bench runs against dist/
//   node bench/drift.mjs                                   # 1000 checks per cell (~20 min on a busy 2-core machine)
//   node bench/drift.mjs --checks 200 --sizes 100,300      # a quicker look
//
// Every check draws a fresh window. Under "no drift" the window comes from the reference's
// own distribution; under drift, numeric features move by 0.5 standard deviation and
// categorical features move 10 points of probability mass. The references are redrawn
// (REFERENCES of them per table, each checked in turn), so the rates average over the
// reference's own sampling error as a deployment would. Three rule sets side by side:
//   old       — the defaults before the calibration: fixed thresholds (PSI ≥ 0.1,
//               KS p < 0.05, JS ≥ 0.1, Wasserstein ≥ 0.1, chi-square p < 0.05);
//   new       — createDriftMonitor's defaults (calibrated p-values, Holm, alpha 0.005);
//   Evidently — its documented default rule (docs "Data drift algorithm"): reference of
//               ≤ 1000 values: KS p < 0.05 (numeric), chi-square p < 0.05 (categorical);
//               more: normed Wasserstein ≥ 0.1, Jensen–Shannon distance ≥ 0.1; dataset
//               drift when ≥ 50 % of the columns drifted.
import {
  buildDriftReference,
  createDriftMonitor,
  createGlassbox,
  EVIDENTLY_DRIFT_THRESHOLDS,
  inMemoryBackend,
} from '@glassbox/core';
import {
  chiSquareDrift,
  jensenShannonDistance,
  ks2samp,
  mulberry32,
  normalVariate,
  populationStd,
} from '@glassbox/core/stats';

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const CHECKS = Number(args.get('checks') ?? 1000);
const SIZES = (args.get('sizes') ?? '100,300,1000').split(',').map(Number);
const TABLES = (args.get('tables') ?? 'feature,dataset').split(',');
const REFERENCES = Number(args.get('references') ?? 20);
const REFERENCE_SIZE = 10_000;
const SHIFT = 0.5;
const CATEGORIES = ['a', 'b', 'c', 'd'];
const P0 = [0.4, 0.3, 0.2, 0.1];
const P1 = [0.3, 0.3, 0.2, 0.2]; // 10 points from the most to the least frequent category
const random = mulberry32(20_261_202);

const normal = (shift) => shift + normalVariate(random);
function categorical(p) {
  const u = random();
  let c = 0;
  for (let i = 0; i < p.length; i++) {
    c += p[i];
    if (u < c) return CATEGORIES[i];
  }
  return CATEGORIES[p.length - 1];
}
const draw = (type, drifted) =>
  type === 'numeric' ? normal(drifted ? SHIFT : 0) : categorical(drifted ? P1 : P0);

/** Normalised Wasserstein distance between a pre-sorted reference and a window (Evidently's `wasserstein`). */
function wassersteinNormed(sortedRef, refStd, window) {
  const w = Float64Array.from(window).sort();
  let i = 0;
  let j = 0;
  let total = 0;
  let x = Math.min(sortedRef[0], w[0]);
  while (i < sortedRef.length || j < w.length) {
    const next = Math.min(i < sortedRef.length ? sortedRef[i] : Infinity, j < w.length ? w[j] : Infinity);
    total += Math.abs(i / sortedRef.length - j / w.length) * (next - x);
    x = next;
    while (i < sortedRef.length && sortedRef[i] === next) i++;
    while (j < w.length && w[j] === next) j++;
  }
  return total / Math.max(refStd, 0.001);
}

/** Evidently's default per-column rule, from its documentation. */
function evidentlyDrift(type, ref, window) {
  const small = ref.data.length <= 1000;
  if (type === 'numeric')
    return small
      ? ks2samp(ref.data, window).pvalue < 0.05
      : wassersteinNormed(ref.sorted, ref.std, window) >= 0.1;
  const counts = CATEGORIES.map((c) => window.filter((v) => v === c).length);
  return small
    ? chiSquareDrift(ref.proportions, counts).pvalue < 0.05
    : jensenShannonDistance(ref.proportions, counts) >= 0.1;
}

function makeReference(type, size, features = 1) {
  const data = {};
  for (let f = 0; f < features; f++) data[`f${f}`] = Array.from({ length: size }, () => draw(type, false));
  const built = buildDriftReference(type === 'numeric' ? { numeric: data } : { categorical: data });
  const raw = Object.values(data).map((values) => ({
    data: values,
    sorted: type === 'numeric' ? Float64Array.from(values).sort() : undefined,
    std: type === 'numeric' ? populationStd(values) : undefined,
    proportions: type === 'numeric' ? undefined : CATEGORIES.map((c) => values.filter((v) => v === c).length),
  }));
  return { built, raw };
}

function monitor(reference, options) {
  const glassbox = createGlassbox({ backend: inMemoryBackend(), logger: null });
  return createDriftMonitor(glassbox, { model: 'bench', reference, random, ...options });
}

const pct = (k, n) => `${((100 * k) / n).toFixed(1)}`;

/** One table cell: false-alarm and power counts of every rule at one window size. */
function featureCell(type, refs, rules, n) {
  const counts = rules.map(() => ({ fa: 0, power: 0 }));
  const monitors = refs.map((ref) => rules.map((rule) => rule.create?.(ref.built)));
  for (let c = 0; c < CHECKS; c++) {
    const r = c % refs.length;
    for (const drifted of [false, true]) {
      const window = Array.from({ length: n }, () => draw(type, drifted));
      rules.forEach((rule, k) => {
        let hit;
        if (rule.evidently) hit = evidentlyDrift(type, refs[r].raw[0], window);
        else {
          const m = monitors[r][k];
          for (const v of window) m.observeValue('f0', v);
          hit = m.check().drifted;
        }
        if (hit) counts[k][drifted ? 'power' : 'fa']++;
      });
    }
  }
  return counts;
}

function featureTable(type, methods, defaults) {
  const refs = Array.from({ length: REFERENCES }, () => makeReference(type, REFERENCE_SIZE));
  const small = Array.from({ length: REFERENCES }, () => makeReference(type, 1000));
  const methodsKey = type === 'numeric' ? 'numeric' : 'categorical';
  const rules = [];
  for (const method of methods) {
    const only = { methods: { [methodsKey]: [method] } };
    rules.push({
      label: `${method} — old (fixed threshold)`,
      create: (r) => monitor(r, { ...only, thresholds: EVIDENTLY_DRIFT_THRESHOLDS }),
    });
    rules.push({ label: `${method} — new (calibrated)`, create: (r) => monitor(r, only) });
  }
  rules.push({
    label: `default set (${defaults}) — old`,
    create: (r) => monitor(r, { thresholds: EVIDENTLY_DRIFT_THRESHOLDS }),
  });
  rules.push({ label: `default set (${defaults}) — new`, create: (r) => monitor(r, {}) });
  const evidently = {
    label: `Evidently, reference ${REFERENCE_SIZE} (${type === 'numeric' ? 'Wasserstein ≥ 0.1' : 'JS ≥ 0.1'})`,
    evidently: true,
  };
  const evidentlySmall = {
    label: `Evidently, reference 1000 (${type === 'numeric' ? 'KS p < 0.05' : 'chi-square p < 0.05'})`,
    evidently: true,
  };
  const rows = [...rules, evidently, evidentlySmall].map((rule) => ({ rule, cells: [] }));
  for (const n of SIZES) {
    const main = featureCell(type, refs, [...rules, evidently], n);
    const [smallCount] = featureCell(type, small, [evidentlySmall], n);
    for (const [k, c] of [...main, smallCount].entries())
      rows[k].cells.push(`${pct(c.fa, CHECKS)} / ${pct(c.power, CHECKS)}`);
  }
  console.log(
    `\n${type} feature (reference of ${REFERENCE_SIZE} values unless stated): false-alarm % / power % per check`,
  );
  console.log(`\n| rule | ${SIZES.map((n) => `n = ${n}`).join(' | ')} |`);
  console.log(`| --- | ${SIZES.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.rule.label} | ${row.cells.join(' | ')} |`);
}

function datasetTable() {
  const FEATURES = 10;
  const refs = Array.from({ length: Math.max(2, REFERENCES / 4) }, () =>
    makeReference('numeric', REFERENCE_SIZE, FEATURES),
  );
  const rules = [
    {
      label: 'old defaults (any test over a fixed threshold)',
      create: (r) => monitor(r, { thresholds: EVIDENTLY_DRIFT_THRESHOLDS }),
    },
    { label: 'new defaults (Holm, alpha 0.005)', create: (r) => monitor(r, {}) },
    {
      label: 'new, share rule (alpha 0.005 per feature, ≥ 50 % of features)',
      create: (r) => monitor(r, { decision: { rule: 'share' } }),
    },
    { label: 'Evidently (Wasserstein ≥ 0.1 per column, ≥ 50 % of columns)', evidently: true },
  ];
  const scenarios = [
    ['no drift', 0],
    ['1 of 10 features shifted', 1],
    ['6 of 10 features shifted', 6],
  ];
  console.log(
    `\ndataset of ${FEATURES} numeric features (psi + ks each), reference of ${REFERENCE_SIZE}: % of checks decided "drift"`,
  );
  const sizes = SIZES.filter((n) => n <= 1000);
  console.log(`\n| rule | ${scenarios.flatMap(([s]) => sizes.map((n) => `${s}, n = ${n}`)).join(' | ')} |`);
  console.log(`| --- | ${scenarios.flatMap(() => sizes.map(() => '---')).join(' | ')} |`);
  const cells = rules.map(() => []);
  for (const [, shifted] of scenarios) {
    for (const n of sizes) {
      const hits = rules.map(() => 0);
      const monitors = refs.map((ref) => rules.map((rule) => rule.create?.(ref.built)));
      for (let c = 0; c < CHECKS; c++) {
        const r = c % refs.length;
        const windows = Array.from({ length: FEATURES }, (_, f) =>
          Array.from({ length: n }, () => normal(f < shifted ? SHIFT : 0)),
        );
        rules.forEach((rule, k) => {
          let hit;
          if (rule.evidently) {
            const drifted = windows.filter((w, f) => evidentlyDrift('numeric', refs[r].raw[f], w)).length;
            hit = drifted >= FEATURES / 2;
          } else {
            const m = monitors[r][k];
            windows.forEach((w, f) => {
              for (const v of w) m.observeValue(`f${f}`, v);
            });
            hit = m.check().drifted;
          }
          if (hit) hits[k]++;
        });
      }
      for (const [k, h] of hits.entries()) cells[k].push(pct(h, CHECKS));
    }
  }
  for (const [k, rule] of rules.entries()) console.log(`| ${rule.label} | ${cells[k].join(' | ')} |`);
}

const started = performance.now();
console.log(
  `drift decisions: ${CHECKS} checks per cell, ${REFERENCES} references per table, window sizes ${SIZES.join(', ')}`,
);
if (TABLES.includes('feature')) {
  featureTable('numeric', ['psi', 'ks', 'js', 'wasserstein', 'chi2'], 'psi + ks');
  featureTable('categorical', ['psi', 'js', 'chi2'], 'psi + js');
}
if (TABLES.includes('dataset')) datasetTable();
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
