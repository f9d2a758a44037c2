/**
 * Every instrument's output, recorded into a prom-client registry and served by
 * @glassbox/exporter's handler over a real socket, passes `promtool check metrics`
 * with zero findings. promtool comes from Debian's `prometheus` package (.ci/run
 * installs it); without it this test fails, it never skips.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, get as httpGet, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildDriftReference,
  createBatchJob,
  createBatchTriggers,
  createDriftMonitor,
  createGlassbox,
  createLlmInstrument,
  createModelInstrument,
  type PromRegistryLike,
  promClientBackend,
} from '@glassbox/core';
import * as client from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface ExporterModule {
  createMetricsHandler(options: { registry: PromRegistryLike; gzip?: boolean }): Handler;
}
// Core does not depend on the exporter (the exporter depends on core); the test
// loads it through the workspace alias at run time.
const EXPORTER = '@glassbox/exporter';

function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool is not installed (apt-get install -y prometheus)');
  return found;
}

function scrape(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false, headers: { Accept: 'text/plain' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function recordEverything() {
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client, registry }),
    logger: null,
  });

  const model = createModelInstrument(glassbox, {
    name: 'lead-scoring',
    version: '3.1.0',
    outcomes: ['hot', 'warm', 'cold'],
    qualityBounds: { accuracy: { min: 0.8 }, brier: { max: 0.25 } },
  });
  const scoreDrift = model.scoreDrift({
    reference: Array.from({ length: 200 }, (_, i) => (i + 0.5) / 200),
    minSamples: 5,
  });
  const predict = model.wrap((p: number) => ({ tier: p > 0.66 ? 'hot' : p > 0.33 ? 'warm' : 'cold', p }), {
    outcome: (r) => r.tier,
    score: (r) => r.p,
  });
  for (let i = 0; i < 20; i++) predict(i / 20);
  await model.wrap(async () => ({}))();
  model.wrapBatch((xs: number[]) => xs)([1, 2, 3]);
  expect(() =>
    model.wrap(() => {
      throw Object.assign(new Error('t'), { code: 'ETIMEDOUT' });
    })(),
  ).toThrow();
  model.setVersion('3.2.0');
  model.setQuality('accuracy', 0.7);
  model.setQuality('brier', 0.1);
  scoreDrift.check();

  const drift = createDriftMonitor(glassbox, {
    model: 'churn',
    reference: buildDriftReference({
      numeric: { age: Array.from({ length: 200 }, (_, i) => 18 + i / 4) },
      categorical: {
        plan: Array.from({ length: 100 }, (_, i) => ['free', 'free', 'pro', 'team'][i % 4] as string),
      },
    }),
    methods: { numeric: ['psi', 'ks', 'js', 'wasserstein', 'chi2'], categorical: ['psi', 'js', 'chi2'] },
    minSamples: 10,
  });
  for (let i = 0; i < 50; i++) drift.observe({ age: 60 + i, plan: i % 3 ? 'enterprise' : 'free' });
  drift.check();

  const nightly = createBatchJob(glassbox, { name: 'nightly' });
  nightly.run((run) => {
    run.items(10);
    run.items(2, 'failure');
    run.progress(0.5);
  });
  expect(() =>
    nightly.run(() => {
      throw new Error('x');
    }),
  ).toThrow();
  createBatchTriggers(glassbox).trigger('risk-recompute');

  const llm = createLlmInstrument(glassbox, {
    provider: 'acme',
    prices: { 'model-a': { inputPer1k: 0.003, outputPer1k: 0.015 } },
  });
  llm.record('model-a', 1.2, { inputTokens: 2000, outputTokens: 500 });
  llm.record('model-unpriced', 0.3, { inputTokens: 5, outputTokens: 1 });
  return registry;
}

describe('instruments through the exporter', () => {
  let close: () => void = () => {};
  afterAll(() => close());

  it('pass `promtool check metrics` with zero findings, with the expected exposition lines', async () => {
    const bin = promtool();
    const registry = await recordEverything();
    const { createMetricsHandler } = (await import(/* @vite-ignore */ EXPORTER)) as ExporterModule;
    const handler = createMetricsHandler({ registry, gzip: false });
    const server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    const { status, body } = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(status).toBe(200);

    const lines = body.split('\n');
    for (const line of [
      'ml_model_info{model="lead-scoring",model_version="3.2.0"} 1',
      'ml_predictions_total{model="lead-scoring",model_version="3.1.0",outcome="hot"} 6',
      'ml_prediction_errors_total{model="lead-scoring",error_type="timeout"} 1',
      'ml_prediction_batch_size_count{model="lead-scoring"} 1',
      'ml_model_quality{model="lead-scoring",metric="accuracy"} 0.7',
      'ml_performance_degraded_total{model="lead-scoring",metric="accuracy"} 1',
      'ml_performance_degraded_total{model="lead-scoring",metric="brier"} 0',
      'ml_drift_detected{model="churn",feature="age",method="psi"} 1',
      'ml_drift_detected{model="churn",feature="age",method="ks"} 1',
      'ml_drift_checks_total{model="churn"} 1',
      'ml_drift_detections_total{model="churn"} 1',
      'ml_drift_checks_total{model="lead-scoring"} 1',
      'batch_job_runs_total{job_name="nightly",status="success"} 1',
      'batch_job_runs_total{job_name="nightly",status="failure"} 1',
      'batch_job_in_progress{job_name="nightly"} 0',
      'batch_job_items_processed_total{job_name="nightly",outcome="failure"} 2',
      'batch_job_progress_ratio{job_name="nightly"} 0', // the failed second run started from 0
      'batch_job_triggers_total{batch_job="risk-recompute"} 1',
      'llm_tokens_total{provider="acme",model="model-a",type="input"} 2000',
      'llm_generation_cost_dollars_total{provider="acme",model="model-a"} 0.0135',
      'glassbox_instrumentation_errors_total{component="llm"} 1',
    ])
      expect(lines, line).toContain(line);
    expect(body).not.toContain('model_version="3.1.0"} 1\nml_model_info');
    expect(lines.filter((l) => l.startsWith('ml_model_info{'))).toHaveLength(1);
    expect(body).toContain('llm_tokens_total{provider="acme",model="model-unpriced",type="input"} 5');
    expect(body).not.toContain('llm_generation_cost_dollars_total{provider="acme",model="model-unpriced"}');
    for (const method of ['psi', 'ks', 'js', 'wasserstein', 'chi2'])
      for (const name of ['ml_drift_score', 'ml_drift_threshold'])
        expect(body).toMatch(
          new RegExp(`^${name}\\{model="churn",feature="age",method="${method}"\\} \\S+$`, 'm'),
        );

    let output = '';
    try {
      output = execFileSync(bin, ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    expect(output.trim()).toBe('');
  });
});
