/**
 * Runs one adoption end to end: the service with the team's naming, the mixin generated
 * from the team's config, a real Prometheus scraping the service every second with the
 * generated rules loaded, healthy traffic, then the provoked condition (and, for the
 * alerts that need it, the service going down). Everything the assertions need is
 * collected here, so each phase runs once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  generateMixin,
  type MixinOutput,
  OUTPUT_PATHS,
  substituteVariables,
  writeMixin,
} from '@glassbox/mixin';
import { parse, stringify } from 'yaml';
import { run, waitFor } from '../../../packages/mixin/test/helpers.js';
import {
  type StartedPrometheus as RunningPrometheus,
  startPrometheus,
} from '../../../test/tools/prometheus.js';
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
  /**
   * `promtool check rules` on the generated files and `promtool test rules` on the cases
   * of the alerts implementing the team's (run while the phases ran); `cases` lists them.
   */
  readonly promtool: {
    readonly check: ToolResult;
    readonly test: ToolResult;
    readonly cases: readonly string[];
  };
  /** Seconds from the start of the run to the end of each step. */
  readonly seconds: Readonly<Record<string, number>>;
  cleanup(): Promise<void>;
}

/** A finished command. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The binaries a run needs besides Prometheus (../../../test/tools/prometheus.ts finds that one). */
export interface Tools {
  readonly promtool: string;
}

const count = async (prom: RunningPrometheus, expr: string): Promise<number> =>
  (await prom.query(expr)).length;

async function counts(
  prom: RunningPrometheus,
  items: readonly { expr: string }[],
  key: (i: number) => string,
) {
  const out: Record<string, number> = {};
  for (const [i, item] of items.entries()) out[key(i)] = await count(prom, item.expr);
  return out;
}

async function activeAlerts(prom: RunningPrometheus): Promise<ActiveAlert[]> {
  return (await prom.api<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts;
}

/**
 * Waits for the moment the phase shows what it must: the queries that must have data
 * have it, and the alerts provoked by `by` hold (condition non-empty, generated alerts
 * pending or firing). Returns what that moment showed.
 */
async function phase(
  prom: RunningPrometheus,
  adoption: Adoption,
  by: 'healthy' | 'provoked' | 'down',
  extra: () => Promise<boolean> = async () => true,
): Promise<PhaseResult> {
  const wanted = adoption.alerts.filter((a) => a.provokedBy === by);
  let missing = '';
  try {
    return await waitFor(
      `the ${by} phase`,
      async () => {
        const queries = await counts(prom, adoption.queries, (i) => adoption.queries[i]?.title as string);
        const needed = adoption.queries.filter((q) => by === 'provoked' || q.data === 'always');
        const empty = by === 'down' ? [] : needed.filter((q) => queries[q.title] === 0);
        missing = `queries without data: ${empty.map((q) => q.title).join('; ')}`;
        if (empty.length > 0) return undefined;
        const alertExprs = await counts(prom, adoption.alerts, (i) => adoption.alerts[i]?.alert as string);
        const alerts = await activeAlerts(prom);
        const names = new Set(alerts.map((a) => a.labels.alertname));
        const notYet = wanted.filter(
          (a) => alertExprs[a.alert] === 0 || !a.generated.every((g) => names.has(g)),
        );
        missing = `alerts not holding: ${notYet.map((a) => a.alert).join('; ')} (active: ${[...names].join(', ')})`;
        if (notYet.length > 0) return undefined;
        missing = 'the extra condition (recorded series)';
        return (await extra()) ? { queries, alertExprs, alerts } : undefined;
      },
      60_000,
    );
  } catch (error) {
    throw new Error(`${String(error)}: ${missing}`);
  }
}

/** Every rule's health, and every generated expression run through the query API. */
async function checkGenerated(
  prom: RunningPrometheus,
  output: MixinOutput,
  expectedEmpty: readonly string[],
) {
  const rules = await prom.api<{
    groups: { rules: { name: string; health: string; lastError?: string }[] }[];
  }>('/api/v1/rules');
  const ruleErrors = rules.groups
    .flatMap((g) => g.rules)
    .filter((r) => r.health !== 'ok')
    .map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
  const expressionErrors: string[] = [];
  const emptyExpressions: string[] = [];
  for (const e of output.expressions) {
    try {
      // Alert conditions are empty unless they fire: /api/v1/alerts shows those.
      const n = await count(prom, substituteVariables(e.expr));
      if (n === 0 && !e.source.startsWith('rule:')) emptyExpressions.push(e.source);
    } catch (error) {
      expressionErrors.push(`${e.source}: ${String(error)}`);
    }
  }
  // Panels over the provoked data (5xx ratios, ...) may need a few more scrapes and evaluations.
  const deadline = Date.now() + 20_000;
  let waiting = emptyExpressions.filter((s) => !expectedEmpty.includes(s));
  while (waiting.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const still: string[] = [];
    for (const source of waiting) {
      const exprs = output.expressions.filter((e) => e.source === source);
      const ns = await Promise.all(exprs.map((e) => count(prom, substituteVariables(e.expr))));
      if (ns.some((n) => n === 0)) still.push(source);
    }
    waiting = still;
  }
  const empty = [
    ...new Set(emptyExpressions.filter((s) => expectedEmpty.includes(s) || waiting.includes(s))),
  ];
  return { ruleErrors, expressionErrors, emptyExpressions: empty };
}

/**
 * promtool on the generated files: `check rules`, and `test rules` on the cases of the
 * alerts that implement the team's alerts (a fire and a silent case each, with their
 * `for:`); the mixin's own tests run every case of every built-in alert.
 */
async function promtool(binary: string, outDir: string, adoption: Adoption) {
  const { alertRules, recordingRules, sloRules, ruleTests } = OUTPUT_PATHS;
  const check = run(binary, ['check', 'rules', alertRules, recordingRules, sloRules], outDir);
  const doc = parse(await readFile(join(outDir, ruleTests), 'utf8')) as { tests: { name: string }[] };
  const names = adoption.alerts.flatMap((a) => a.generated);
  const tests = doc.tests.filter((t) =>
    names.some((n) => t.name.startsWith(`${n}:`) || t.name.startsWith(`${n} `)),
  );
  const file = join(dirname(ruleTests), 'adoption.test.yml');
  await writeFile(join(outDir, file), stringify({ ...doc, tests }));
  const test = run(binary, ['test', 'rules', file], outDir);
  return { check: await check, test: await test, cases: tests.map((t) => t.name) };
}

async function generate(adoption: Adoption, port: number, tokenFile: string, outDir: string) {
  const output = generateMixin({
    ...adoption.mixin,
    naming: adoption.naming,
    scrape: {
      ...adoption.mixin.scrape,
      targets: [`127.0.0.1:${port}`],
      credentialsFile: tokenFile,
      interval: '1s',
      timeout: '1s',
      kubernetes: null,
    },
    evaluationInterval: '1s',
  });
  await writeMixin(output, outDir);
  return output;
}

/** Runs the adoption's service against a real Prometheus through its phases. */
export async function runAdoption(
  tools: Tools,
  adoption: Adoption,
  start: (options: ServiceOptions) => Promise<SeedService>,
): Promise<AdoptionRun> {
  const began = Date.now();
  const marks: Record<string, number> = {};
  const mark = (name: string) => {
    marks[name] = Math.round((Date.now() - began) / 100) / 10;
  };
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
    const outDir = join(dir, 'out');
    const output = await generate(adoption, service.port, tokenFile, outDir);
    const tool = promtool(tools.promtool, outDir, adoption);
    tool.catch(() => undefined);
    prom = await startPrometheus(join(outDir, OUTPUT_PATHS.prometheusConfig));
    const p = prom;
    mark('started');
    // Healthy: every `always` query has data and every recorded series exists; then a few
    // more rule evaluations on healthy data before reading the alerts.
    const recorded = async () => {
      const ns = await Promise.all(output.recordedNames.map((n) => count(p, n)));
      const absent = output.recordedNames.filter((_, i) => ns[i] === 0);
      if (absent.length > 0) throw new Error(`recorded series without data: ${absent.join(', ')}`);
      return true;
    };
    const healthyData = await phase(p, adoption, 'healthy', recorded);
    await new Promise((r) => setTimeout(r, 2000));
    const healthy = {
      queries: healthyData.queries,
      alertExprs: await counts(p, adoption.alerts, (i) => adoption.alerts[i]?.alert as string),
      alerts: await activeAlerts(p),
    };
    mark('healthy');
    service.phase('provoked');
    const provoked = await phase(p, adoption, 'provoked');
    mark('provoked');
    const names = await p.api<string[]>('/api/v1/label/__name__/values');
    const generated = await checkGenerated(p, output, Object.keys(adoption.emptyPanels ?? {}));
    mark('generated');
    let down: PhaseResult | undefined;
    if (adoption.alerts.some((a) => a.provokedBy === 'down')) {
      await service.close();
      closed = true;
      down = await phase(p, adoption, 'down');
      mark('down');
    }
    const tooling = await tool;
    mark('promtool');
    return {
      output,
      outDir,
      healthy,
      provoked,
      down,
      names,
      ...generated,
      promtool: tooling,
      seconds: marks,
      cleanup,
    };
  } catch (error) {
    const logs = prom?.log() ?? '';
    await cleanup();
    throw logs === '' ? error : new Error(`${String(error)}\nprometheus: ${logs}`);
  }
}
