/**
 * The PromQL in docs/instruments/*.md is valid (every block through `promtool check
 * rules`), and the expressions that answer the seed questions return what they claim
 * on synthetic series (`promtool test rules`, evaluated by Prometheus' own engine).
 * Needs promtool (Debian's `prometheus` package); fails, never skips, without it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const docs = fileURLToPath(new URL('../../../../docs/instruments/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'glassbox-docs-promql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool is not installed (apt-get install -y prometheus)');
  return found;
}

function blocks(page: string): string[] {
  const text = readFileSync(join(docs, page), 'utf8');
  return [...text.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
}

function run(args: string[]): { ok: boolean; output: string } {
  const bin = promtool(); // throws (fails the test) when promtool is missing
  try {
    return { ok: true, output: execFileSync(bin, args, { encoding: 'utf8', stdio: 'pipe', cwd: dir }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const indent = (text: string, n: number) =>
  text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

describe('PromQL in docs/instruments', () => {
  const pages = ['model.md', 'drift.md', 'batch.md', 'llm.md'];

  it.each(pages)('%s: every block is valid PromQL (promtool check rules)', (page) => {
    const exprs = blocks(page);
    expect(exprs.length).toBeGreaterThan(2);
    const rules = exprs.map(
      (e, i) => `      - record: docs:${page.replace('.md', '')}:${i}\n        expr: |\n${indent(e, 10)}`,
    );
    writeFileSync(
      join(dir, `${page}.rules.yml`),
      `groups:\n  - name: docs\n    rules:\n${rules.join('\n')}\n`,
    );
    const r = run(['check', 'rules', `${page}.rules.yml`]);
    expect(r.output, r.output).toContain('SUCCESS');
    expect(r.ok, r.output).toBe(true);
  });

  it('the seed-question expressions return the expected values (promtool test rules)', () => {
    const [p95] = blocks('model.md');
    const collapse = blocks('model.md')[2] as string;
    const [driftDecisions] = blocks('drift.md');
    const [sinceSuccess] = blocks('batch.md');
    const [costPerHour] = blocks('llm.md');
    expect(p95).toContain('histogram_quantile(0.95');
    expect(collapse).toContain('ml_prediction_score_bucket');
    expect(driftDecisions).toContain('ml_drift_detected');
    expect(sinceSuccess).toContain('batch_job_last_success_timestamp_seconds');
    expect(costPerHour).toContain('llm_generation_cost_dollars_total');
    const test = `rule_files: []
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # 10 predictions a minute: 9 under 0.1 s, 1 in (0.5, 1] s → p95 in the (0.5, 1] bucket
      - series: 'ml_prediction_duration_seconds_bucket{model="risk",le="0.1"}'
        values: '0+9x10'
      - series: 'ml_prediction_duration_seconds_bucket{model="risk",le="0.5"}'
        values: '0+9x10'
      - series: 'ml_prediction_duration_seconds_bucket{model="risk",le="1"}'
        values: '0+10x10'
      - series: 'ml_prediction_duration_seconds_bucket{model="risk",le="+Inf"}'
        values: '0+10x10'
      # every score in (0, 0.1]: "0.0 for everyone"; a healthy model spread over (0, 1]
      - series: 'ml_prediction_score_bucket{model="collapsed",le="0.1"}'
        values: '0+10x40'
      - series: 'ml_prediction_score_bucket{model="collapsed",le="1"}'
        values: '0+10x40'
      - series: 'ml_prediction_score_bucket{model="collapsed",le="+Inf"}'
        values: '0+10x40'
      - series: 'ml_prediction_score_bucket{model="healthy",le="0.1"}'
        values: '0+1x40'
      - series: 'ml_prediction_score_bucket{model="healthy",le="0.5"}'
        values: '0+5x40'
      - series: 'ml_prediction_score_bucket{model="healthy",le="1"}'
        values: '0+10x40'
      - series: 'ml_prediction_score_bucket{model="healthy",le="+Inf"}'
        values: '0+10x40'
      # the latest decisions: age drifted (psi and ks, a distance and a p-value alike), plan did not
      - series: 'ml_drift_detected{model="churn",feature="age",method="psi"}'
        values: '1x10'
      - series: 'ml_drift_detected{model="churn",feature="age",method="ks"}'
        values: '1x10'
      - series: 'ml_drift_detected{model="churn",feature="plan",method="js"}'
        values: '0x10'
      - series: 'ml_drift_detected{model="churn",feature="plan",method="chi2"}'
        values: '0x10'
      # last success at t = 120 s, then the process restarts at 10m (series gone)
      - series: 'batch_job_last_success_timestamp_seconds{job_name="nightly"}'
        values: '_ _ 120x7'
      # $0.50 a minute for 90 minutes
      - series: 'llm_generation_cost_dollars_total{provider="acme",model="m"}'
        values: '0+0.5x90'
    promql_expr_test:
      - expr: |
${indent(p95 as string, 10)}
        eval_time: 10m
        exp_samples:
          - labels: '{model="risk"}'
            value: 0.75
      - expr: |
${indent(collapse, 10)}
        eval_time: 40m
        exp_samples:
          - labels: '{model="collapsed"}'
            # p90 − p10 interpolated in (0, 0.1]: 0.09 − 0.01 in floating point
            value: 8.000000000000002E-02
      - expr: |
${indent(driftDecisions as string, 10)}
        eval_time: 5m
        exp_samples:
          - labels: '{model="churn",feature="age"}'
            value: 1
      - expr: |
${indent(sinceSuccess as string, 10)}
        eval_time: 30m
        exp_samples:
          - labels: '{job_name="nightly"}'
            value: 1680
      - expr: |
${indent(costPerHour as string, 10)}
        eval_time: 90m
        exp_samples:
          - labels: '{provider="acme",model="m"}'
            value: 30
`;
    writeFileSync(join(dir, 'seed.test.yml'), test);
    const r = run(['test', 'rules', 'seed.test.yml']);
    expect(r.output, r.output).toContain('SUCCESS');
    expect(r.ok, r.output).toBe(true);
  });
});
