/**
 * Each of the five teams in docs/adoption, adopted with its own names: a small service
 * recording through the team's naming options and definitions, scraped by a real
 * Prometheus that loads the rules the mixin generates from the team's config. The
 * team's own PromQL (from its text, corrections listed in each config) and alert
 * conditions are evaluated through the HTTP API, healthy and under a provoked
 * condition; every generated rule and panel expression runs; no catalog name the team
 * renamed appears in any generated file; promtool checks and tests the rules.
 */
import { catalogDefinitions } from '@glassbox/core';
import { metricNamesIn } from '@glassbox/mixin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../../../packages/mixin/test/helpers.js';
import { prometheusBinary } from '../../../test/tools/prometheus.js';
import { adoption as bi } from '../000-bi-risk/config.js';
import { startService as startBi } from '../000-bi-risk/service.js';
import { adoption as leads } from '../001-lead-scoring/config.js';
import { startService as startLeads } from '../001-lead-scoring/service.js';
import { adoption as inference } from '../002-inference-api/config.js';
import { startService as startInference } from '../002-inference-api/service.js';
import { adoption as platform } from '../003-mlops-platform/config.js';
import { startService as startPlatform } from '../003-mlops-platform/service.js';
import { adoption as content } from '../004-content-pipeline/config.js';
import { startService as startContent } from '../004-content-pipeline/service.js';
import type { Adoption, SeedService, ServiceOptions } from '../adoption.js';
import { type AdoptionRun, runAdoption } from './harness.js';

const promtool = requireBinary('promtool', 'prometheus');

const seeds: [string, Adoption, (o: ServiceOptions) => Promise<SeedService>][] = [
  [bi.seed, bi, startBi],
  [leads.seed, leads, startLeads],
  [inference.seed, inference, startInference],
  [platform.seed, platform, startPlatform],
  [content.seed, content, startContent],
];

const active = (alerts: AdoptionRun['healthy']['alerts']) =>
  [...new Set(alerts.map((a) => a.labels.alertname))].sort();

const skip = prometheusBinary.skip || promtool.skip;

// The runs mostly wait for scrapes and rule evaluations: three at a time. ADOPTION_SEEDS=001,004
// runs only those.
const only = process.env.ADOPTION_SEEDS?.split(',');
const selected = seeds.filter(([seed]) => only === undefined || only.includes(seed));
const runs = new Map<string, Promise<AdoptionRun>>();
beforeAll(() => {
  if (skip) return;
  const tools = { promtool: promtool.path as string };
  const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve(), Promise.resolve()];
  selected.forEach(([seed, adoption, start], i) => {
    const lane = i % lanes.length;
    const p = (lanes[lane] as Promise<unknown>).then(() => runAdoption(tools, adoption, start));
    lanes[lane] = p.catch(() => undefined);
    p.catch(() => undefined); // reported by the seed's own beforeAll
    runs.set(seed, p);
  });
});
afterAll(async () => {
  for (const [seed, p] of runs) {
    const r = await p.catch(() => undefined);
    if (r !== undefined) console.log(`seed ${seed}: seconds ${JSON.stringify(r.seconds)}`);
  }
  await Promise.all(
    [...runs.values()].map((p) =>
      p.then(
        (r) => r.cleanup(),
        () => undefined,
      ),
    ),
  );
});

describe.skipIf(skip).each(selected)('seed %s adopted with its own names', (seed, adoption) => {
  let r: AdoptionRun;
  beforeAll(async () => {
    r = (await runs.get(seed)) as AdoptionRun;
  });

  it("the team's queries return data: always-queries while healthy, all of them under the provoked condition", () => {
    const healthyEmpty = adoption.queries.filter(
      (q) => q.data === 'always' && r.healthy.queries[q.title] === 0,
    );
    expect(healthyEmpty.map((q) => q.title)).toEqual([]);
    const provokedEmpty = adoption.queries.filter((q) => r.provoked.queries[q.title] === 0);
    expect(provokedEmpty.map((q) => q.title)).toEqual([]);
    // the provoked-only ones really depend on the condition
    const early = adoption.queries.filter(
      (q) => q.data === 'provoked' && (r.healthy.queries[q.title] ?? 0) > 0,
    );
    expect(early.map((q) => q.title)).toEqual([]);
  });

  it("the team's alert conditions are empty while healthy and hold under their condition", () => {
    for (const a of adoption.alerts) {
      expect([a.alert, r.healthy.alertExprs[a.alert]]).toEqual([a.alert, 0]);
      const phase = a.provokedBy === 'down' ? r.down : r.provoked;
      expect([a.alert, (phase?.alertExprs[a.alert] ?? 0) > 0]).toEqual([a.alert, true]);
    }
  });

  it('the generated alerts: none active while healthy; the ones implementing the team alerts go pending or firing', () => {
    expect(active(r.healthy.alerts)).toEqual([]);
    for (const a of adoption.alerts) {
      const phase = a.provokedBy === 'down' ? r.down : r.provoked;
      const names = active(phase?.alerts ?? []);
      for (const g of a.generated) expect(names, `${a.alert} → ${g}`).toContain(g);
    }
  });

  it('every generated rule evaluates cleanly and every panel expression runs and returns data', () => {
    expect(r.ruleErrors).toEqual([]);
    expect(r.expressionErrors).toEqual([]);
    const expectedEmpty = Object.keys(adoption.emptyPanels ?? {}).sort();
    expect([...new Set(r.emptyExpressions)].sort()).toEqual(expectedEmpty);
    expect(r.output.expressions.length).toBeGreaterThan(20);
  });

  it("the service exposes the team's names, and no catalog name the team renamed", () => {
    const kinds = new Map(catalogDefinitions().map((d) => [d.name, d.kind]));
    for (const [from, to] of Object.entries(adoption.naming.rename ?? {})) {
      const histogram = kinds.get(from) === 'histogram';
      expect(r.names).toContain(histogram ? `${to}_bucket` : to);
      expect(r.names).not.toContain(histogram ? `${from}_bucket` : from);
    }
    // every metric name the team's queries read is scraped (or is Prometheus' own `up`)
    for (const q of [...adoption.queries, ...adoption.alerts])
      for (const n of metricNamesIn(q.expr)) if (n !== 'up') expect(r.names, q.expr).toContain(n);
  });

  it('no renamed catalog metric or label appears in any generated file', () => {
    const catalogNames = new Set(catalogDefinitions().map((d) => d.name));
    const metrics = Object.keys(adoption.naming.rename ?? {}).filter((n) => catalogNames.has(n));
    // global label renames, and per-metric ones (no other metric of these services carries those labels)
    const overridden = Object.values(adoption.naming.overrides ?? {}).flatMap((o) =>
      Object.keys(o.labelRename ?? {}),
    );
    const labels = [...Object.keys(adoption.naming.labelRename ?? {}), ...overridden];
    for (const [path, content] of Object.entries(r.output.files)) {
      for (const n of metrics)
        expect(content, `${path}: ${n}`).not.toMatch(new RegExp(`(?<![A-Za-z0-9_:])${n}(?![A-Za-z0-9_])`));
      for (const l of labels)
        expect(content, `${path}: ${l}`).not.toMatch(
          new RegExp(`[{,(]\\s*${l}\\s*(=|!=|=~|!~|,|\\))|\\$labels\\.${l}\\b|\`${l}\`|\\{\\{${l}\\}\\}`),
        );
    }
  });

  it('promtool: the rules check, and every alert fires on its scenario and stays silent on a healthy one', () => {
    const { check, test } = r.promtool;
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout + test.stderr).toContain('SUCCESS');
  });
});
