/**
 * Runs one adoption end to end: the service with the team's naming, the mixin generated
 * from the team's config, a real Prometheus scraping the service every second with the
 * generated rules loaded, healthy traffic, then the provoked condition (and, for the
 * alerts that need it, the service going down). Everything the assertions need is
 * collected here, so each phase runs once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateMixin,
  type MixinOutput,
  OUTPUT_PATHS,
  substituteVariables,
  writeMixin,
} from '@glassbox/mixin';
import {
  type RunningPrometheus,
  run,
  startPrometheus,
  waitFor,
} from '../../../packages/mixin/test/helpers.js';
import type { Adoption, SeedService, ServiceOptions } from '../adoption.js';

/** An active alert as /api/v1/alerts lists it. */
export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: string;
}

/** What one phase showed. */
export interface PhaseResult {
  /** Series returned by each seed query, by query title. */
  readonly queries: Record<string, number>;
  /** Series returned by each seed alert expression, by alert. */
  readonly alertExprs: Record<string, number>;
  /** Pending or firing alerts. */
  readonly alerts: readonly ActiveAlert[];
}

/** Everything an adoption run collected. */
export interface AdoptionRun {
  readonly output: MixinOutput;
  readonly outDir: string;
  readonly healthy: PhaseResult;
  readonly provoked: PhaseResult;
  /** After the service stopped (only when an alert is provoked by it). */
  readonly down: PhaseResult | undefined;
  /** Scraped metric names (during the provoked phase). */
  readonly names: readonly string[];
  /** Rules that did not evaluate cleanly: `name: health lastError`. */
  readonly ruleErrors: readonly string[];
  /** Generated expressions: failures (`source: error`) and the sources that returned no data. */
  readonly expressionErrors: readonly string[];
  readonly emptyExpressions: readonly string[];
  /** `promtool check rules` and `promtool test rules` on the generated files (run while the phases ran). */
  readonly promtool: { readonly check: ToolResult; readonly test: ToolResult };
  /** Seconds from the start of the run to the end of each phase. */
  readonly seconds: { readonly healthy: number; readonly provoked: number; readonly end: number };
  cleanup(): Promise<void>;
}

/** A finished command. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The binaries a run needs. */
export interface Tools {
  readonly prometheus: string;
  readonly promtool: string;
}

const count = async (prom: RunningPrometheus, expr: string): Promise<number> =>
  (await prom.query(expr)).length;

async function snapshot(prom: RunningPrometheus, adoption: Adoption): Promise<PhaseResult> {
  const queries: Record<string, number> = {};
  for (const q of adoption.queries) queries[q.title] = await count(prom, q.expr);
  const alertExprs: Record<string, number> = {};
  for (const a of adoption.alerts) alertExprs[a.alert] = await count(prom, a.expr);
  const r = await prom.api<{ alerts: ActiveAlert[] }>('/api/v1/alerts');
  return { queries, alertExprs, alerts: r.data.alerts };
}

/** Waits until each alert provoked by `by` has a non-empty condition and its generated alerts are active. */
async function waitForAlerts(
  prom: RunningPrometheus,
  adoption: Adoption,
  by: 'provoked' | 'down',
): Promise<void> {
  const wanted = adoption.alerts.filter((a) => a.provokedBy === by);
  await waitFor(
    `the ${by} alerts (${wanted.map((a) => a.alert).join(', ')})`,
    async () => {
      const r = await prom.api<{ alerts: ActiveAlert[] }>('/api/v1/alerts');
      const active = new Set(r.data.alerts.map((a) => a.labels.alertname));
      for (const a of wanted) {
        if ((await count(prom, a.expr)) === 0) return undefined;
        if (!a.generated.every((g) => active.has(g))) return undefined;
      }
      return true;
    },
    45_000,
  );
}

async function checkGenerated(prom: RunningPrometheus, output: MixinOutput) {
  const rules = await prom.api<{
    groups: { rules: { name: string; health: string; lastError?: string }[] }[];
  }>('/api/v1/rules');
  const ruleErrors = rules.data.groups
    .flatMap((g) => g.rules)
    .filter((r) => r.health !== 'ok')
    .map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
  const expressionErrors: string[] = [];
  const emptyExpressions: string[] = [];
  for (const e of output.expressions) {
    // Alert conditions are empty unless they fire: checked through /api/v1/alerts instead.
    const query = substituteVariables(e.expr);
    try {
      if ((await count(prom, query)) === 0 && !e.source.startsWith('rule:')) emptyExpressions.push(e.source);
    } catch (error) {
      expressionErrors.push(`${e.source}: ${String(error)}`);
    }
  }
  return { ruleErrors, expressionErrors, emptyExpressions };
}

/** Runs the adoption's service against a real Prometheus through both phases. */
export async function runAdoption(
  tools: Tools,
  adoption: Adoption,
  start: (options: ServiceOptions) => Promise<SeedService>,
): Promise<AdoptionRun> {
  const began = Date.now();
  const dir = await mkdtemp(join(tmpdir(), `glassbox-adoption-${adoption.seed}-`));
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'metrics-token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  let service: SeedService | undefined;
  let prom: RunningPrometheus | undefined;
  let closed = false;
  const cleanup = async () => {
    if (!closed) await service?.close();
    closed = true;
    await prom?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    service = await start({ token });
    const output = generateMixin({
      ...adoption.mixin,
      naming: adoption.naming,
      scrape: {
        ...adoption.mixin.scrape,
        targets: [`127.0.0.1:${service.port}`],
        credentialsFile: tokenFile,
        interval: '1s',
        timeout: '1s',
        kubernetes: null,
      },
      evaluationInterval: '1s',
    });
    const outDir = join(dir, 'out');
    await writeMixin(output, outDir);
    const { alertRules, recordingRules, sloRules, ruleTests } = OUTPUT_PATHS;
    const checked = run(tools.promtool, ['check', 'rules', alertRules, recordingRules, sloRules], outDir);
    const tested = run(tools.promtool, ['test', 'rules', ruleTests], outDir);
    prom = await startPrometheus(
      tools.prometheus,
      join(outDir, OUTPUT_PATHS.prometheusConfig),
      join(dir, 'data'),
    );
    const p = prom;

    // Healthy: every `always` query has data and every recorded series exists.
    await waitFor('healthy data', async () => {
      for (const q of adoption.queries)
        if (q.data === 'always' && (await count(p, q.expr)) === 0) return undefined;
      for (const n of output.recordedNames) if ((await count(p, n)) === 0) return undefined;
      return true;
    });
    await new Promise((r) => setTimeout(r, 2000)); // a few more rule evaluations on healthy data
    const healthy = await snapshot(p, adoption);
    const healthyAt = (Date.now() - began) / 1000;

    service.phase('provoked');
    await waitForAlerts(p, adoption, 'provoked');
    await waitFor('the provoked queries', async () => {
      for (const q of adoption.queries) if ((await count(p, q.expr)) === 0) return undefined;
      return true;
    });
    const provoked = await snapshot(p, adoption);
    const provokedAt = (Date.now() - began) / 1000;
    const names = (await p.api<string[]>('/api/v1/label/__name__/values')).data;
    const generated = await checkGenerated(p, output);

    let down: PhaseResult | undefined;
    if (adoption.alerts.some((a) => a.provokedBy === 'down')) {
      await service.close();
      closed = true;
      await waitForAlerts(p, adoption, 'down');
      down = await snapshot(p, adoption);
    }
    return {
      output,
      outDir,
      healthy,
      provoked,
      down,
      names,
      ...generated,
      promtool: { check: await checked, test: await tested },
      seconds: { healthy: healthyAt, provoked: provokedAt, end: (Date.now() - began) / 1000 },
      cleanup,
    };
  } catch (error) {
    const logs = prom?.logs() ?? '';
    await cleanup();
    throw logs === '' ? error : new Error(`${String(error)}\nprometheus: ${logs}`);
  }
}
