/**
 * The alert catalog. Thresholds and `for:` defaults come from the users' runbooks:
 * HighLatency p95 > 500 ms for 2m (warning), CriticalLatency p95 > 1 s for 1m
 * (critical), HighErrorRate 5xx > 5 % for 3m (critical), ServiceDown for 1m,
 * HighActiveRequests > 100 for 2m, ModelPredictionErrors > 0.01/s, UnbalancedPredictions
 * > 50 % of one tier for 10m, prediction p95 SLO 500 ms, LLM cost > $10/hour for 15m.
 */
import { type AlertName, MixinConfigError, type Severity } from './config.js';
import { type Ctx, leMatcher, leValue, num } from './context.js';
import {
  type AlertSpec,
  allIn,
  histogramSeries,
  type Runbook,
  rawSeries,
  scopeLabels,
  series,
  type TestCase,
  targetLabels,
} from './rules-model.js';

/** Default threshold, `for:` and severity of each alert. */
export const ALERT_DEFAULTS: Readonly<
  Record<AlertName, { threshold: number | null; for: string; severity: Severity }>
> = Object.freeze({
  ServiceDown: { threshold: null, for: '1m', severity: 'critical' },
  HighErrorRate: { threshold: 0.05, for: '3m', severity: 'critical' },
  HighLatency: { threshold: 0.5, for: '2m', severity: 'warning' },
  CriticalLatency: { threshold: 1, for: '1m', severity: 'critical' },
  HighActiveRequests: { threshold: 100, for: '2m', severity: 'warning' },
  ModelPredictionErrors: { threshold: 0.01, for: '2m', severity: 'critical' },
  SlowModelPredictions: { threshold: 0.5, for: '3m', severity: 'warning' },
  PredictionScoreCollapse: { threshold: 0.9, for: '15m', severity: 'warning' },
  UnbalancedPredictions: { threshold: 0.5, for: '10m', severity: 'warning' },
  ModelDriftDetected: { threshold: null, for: '0s', severity: 'warning' },
  DriftScoreAboveThreshold: { threshold: null, for: '5m', severity: 'warning' },
  ModelPerformanceDegraded: { threshold: null, for: '0s', severity: 'warning' },
  BatchJobFailed: { threshold: null, for: '0s', severity: 'warning' },
  BatchJobStale: { threshold: 93_600, for: '10m', severity: 'warning' },
  ConsumerHighErrorRatio: { threshold: 0.05, for: '5m', severity: 'warning' },
  ConsumerStalled: { threshold: null, for: '10m', severity: 'critical' },
  LLMCostOverBudget: { threshold: 10, for: '15m', severity: 'warning' },
  InstrumentationErrors: { threshold: null, for: '0s', severity: 'info' },
});

const pct = (r: number) => `${num(r * 100)} %`;
const ms = (s: number) => (s < 1 ? `${num(s * 1000)} ms` : `${num(s)} s`);

/** `increase(x[w]) > 0`, plus series born inside the window (a counter's first event has no increase). */
function newEvents(by: string, sel: string, window: string): string {
  return (
    `sum by (${by}) (increase(${sel}[${window}])) > 0\n` +
    `or\nsum by (${by}) (${sel} unless ${sel} offset ${window}) > 0`
  );
}

interface Draft {
  name: AlertName;
  group: string;
  expr: (t: number) => string;
  summary: string;
  description: (t: number) => string;
  runbook: (t: number) => Runbook;
  fire: (t: number) => (TestCase & { labels: Record<string, string> })[];
  silent: (t: number) => TestCase[];
}

/** Builds every enabled alert under the config. */
export function buildAlerts(ctx: Ctx): AlertSpec[] {
  const cfg = ctx.config;
  const scope = scopeLabels(ctx);
  const lbl = (l: string) => `{{ $labels.${ctx.l(l)} }}`;
  const who = `{{ $labels.job }}`;
  const model = ctx.l('model');
  const c = (n: string) => n; // catalog names, for readability below
  const counter = (perMin: number, steps = 90) => (perMin === 0 ? `0x${steps}` : `0+${perMin}x${steps}`);
  const lat = c('http_request_duration_seconds');
  const pdur = c('ml_prediction_duration_seconds');
  const score = c('ml_prediction_score');
  const httpLabels = { method: 'GET', route: '/users/:id' };

  const drafts: Draft[] = [
    {
      name: 'ServiceDown',
      group: 'glassbox-availability',
      expr: () => `up${cfg.selector === '' ? '' : `{${cfg.selector}}`} == 0`,
      summary: `${who}: target {{ $labels.instance }} is down`,
      description: () =>
        `Prometheus cannot scrape {{ $labels.instance }} of job ${who}: the service is down, unreachable, or its /metrics endpoint refuses the bearer token.`,
      runbook: () => ({
        meaning:
          'Prometheus failed to scrape the target (`up == 0`). Either the process is down, the network path is broken, or `/metrics` answers with an error — a 401 when the bearer token in `credentials_file` does not match the service’s token.',
        queries: [
          { title: 'Targets down', expr: `up{${cfg.selector}} == 0` },
          { title: 'Scrape duration', expr: `scrape_duration_seconds{${cfg.selector}}` },
        ],
        causes: [
          'The container crashed or is restarting (check its logs and restart count).',
          'The metrics token rotated on one side only: the scrape gets 401 (Prometheus → Status → Targets shows the error).',
          'The metrics port or path changed, or a network policy blocks the scrape.',
        ],
        actions: [
          'Open Prometheus → Status → Targets and read the last scrape error.',
          'Restart the service if it is hung; roll back the last deploy if it crashes on start.',
        ],
      }),
      fire: () => {
        const labels = { ...targetLabels(ctx), instance: 'app-1:9464' };
        return [{ name: 'target down', series: [rawSeries('up', labels, '0x90')], labels }];
      },
      silent: () => [
        {
          name: 'target up',
          series: [rawSeries('up', { ...targetLabels(ctx), instance: 'app-1:9464' }, '1x90')],
        },
      ],
    },
    {
      name: 'HighErrorRate',
      group: 'glassbox-http',
      expr: (t) =>
        `sum by (${ctx.by()}) (rate(${ctx.sel('http_requests_total', '', ctx.eq('status_code', '5..', '=~'))}[5m]))\n/\n` +
        `sum by (${ctx.by()}) (rate(${ctx.sel('http_requests_total')}[5m]))\n> ${num(t)}`,
      summary: `${who}: more than the allowed share of HTTP requests fail with 5xx`,
      description: (t) => `Over 5 minutes more than ${pct(t)} of the HTTP requests of ${who} answered 5xx.`,
      runbook: () => ({
        meaning: 'The share of HTTP responses with a 5xx status is above the threshold: users see errors.',
        queries: [
          {
            title: '5xx by route',
            expr: `sum by (${ctx.l('route')}, ${ctx.l('status_code')}) (rate(${ctx.sel('http_requests_total', '', ctx.eq('status_code', '5..', '=~'))}[5m]))`,
          },
          {
            title: 'Request rate by status',
            expr: `sum by (${ctx.l('status_code')}) (rate(${ctx.sel('http_requests_total')}[5m]))`,
          },
        ],
        causes: [
          'A bad deploy (compare with the last rollout).',
          'A failing dependency (database, model endpoint, message broker).',
          'Resource exhaustion (memory, connection pools) under load.',
        ],
        actions: ['Find the failing routes, read the service logs, roll back if a deploy started it.'],
      }),
      fire: () => [
        {
          name: '20 % of requests fail',
          series: [
            series(ctx, 'http_requests_total', { ...httpLabels, status_code: '500' }, counter(12)),
            series(ctx, 'http_requests_total', { ...httpLabels, status_code: '200' }, counter(48)),
          ],
          labels: scope,
        },
      ],
      silent: () => [
        {
          name: '1 % of requests fail',
          series: [
            series(ctx, 'http_requests_total', { ...httpLabels, status_code: '500' }, counter(1)),
            series(ctx, 'http_requests_total', { ...httpLabels, status_code: '200' }, counter(99)),
          ],
        },
      ],
    },
    ...(['HighLatency', 'CriticalLatency'] as const).map(
      (name): Draft => ({
        name,
        group: 'glassbox-http',
        expr: (t) =>
          `histogram_quantile(0.95, sum by (${ctx.by()}, le) (rate(${ctx.sel(lat, '_bucket')}[5m])))\n> ${num(t)}`,
        summary: `${who}: HTTP p95 latency above the ${name === 'HighLatency' ? 'warning' : 'critical'} threshold`,
        description: (t) => `The 95th percentile of HTTP request duration of ${who} is above ${ms(t)}.`,
        runbook: (t) => ({
          meaning: `Over 5 minutes, 5 % of HTTP requests took longer than ${ms(t)}.`,
          queries: [
            {
              title: 'p95 by route',
              expr: `histogram_quantile(0.95, sum by (${ctx.l('route')}, le) (rate(${ctx.sel(lat, '_bucket')}[5m])))`,
            },
            { title: 'Requests in flight', expr: `sum(${ctx.sel('http_requests_in_flight')})` },
          ],
          causes: [
            'A slow dependency (database, model inference, external API).',
            'CPU saturation or garbage-collection pauses; too few replicas for the load.',
            'A new code path or a larger payload after a deploy.',
          ],
          actions: ['Find the slow routes; scale out if every route is slow; check dependencies.'],
        }),
        fire: (t) => {
          // Everything in the bucket above the threshold (0.5 → (0.5, 1], 1 → (1, 2]).
          const above = ctx.buckets(lat).find((b) => b > t) ?? t * 2;
          return [
            {
              name: `every request takes about ${ms(above)}`,
              series: histogramSeries(
                ctx,
                lat,
                { ...httpLabels, status_code: '200' },
                allIn(ctx, lat, above),
              ),
              labels: scope,
            },
          ];
        },
        silent: () => [
          {
            name: 'every request under 100 ms',
            series: histogramSeries(ctx, lat, { ...httpLabels, status_code: '200' }, allIn(ctx, lat, 0.1)),
          },
        ],
      }),
    ),
    {
      name: 'HighActiveRequests',
      group: 'glassbox-http',
      expr: (t) => `sum by (${ctx.by()}, instance) (${ctx.sel('http_requests_in_flight')})\n> ${num(t)}`,
      summary: `${who}: too many HTTP requests in flight on {{ $labels.instance }}`,
      description: (t) => `More than ${num(t)} requests are being served at once by {{ $labels.instance }}.`,
      runbook: () => ({
        meaning: 'Requests pile up: they arrive faster than the instance finishes them.',
        queries: [
          {
            title: 'In flight by instance',
            expr: `sum by (instance) (${ctx.sel('http_requests_in_flight')})`,
          },
          { title: 'Request rate', expr: `sum(rate(${ctx.sel('http_requests_total')}[5m]))` },
        ],
        causes: ['A traffic spike.', 'A slow dependency holding requests open.', 'Too few replicas.'],
        actions: ['Scale out; look for the slow dependency with the latency panels.'],
      }),
      fire: () => [
        {
          name: '150 requests in flight',
          series: [
            series(ctx, 'http_requests_in_flight', { method: 'GET', instance: 'app-1:9464' }, '150x90'),
          ],
          labels: { ...scope, instance: 'app-1:9464' },
        },
      ],
      silent: () => [
        { name: '5 in flight', series: [series(ctx, 'http_requests_in_flight', { method: 'GET' }, '5x90')] },
      ],
    },
    {
      name: 'ModelPredictionErrors',
      group: 'glassbox-model',
      expr: (t) =>
        `sum by (${ctx.by('model')}) (rate(${ctx.sel('ml_prediction_errors_total')}[5m]))\n> ${num(t)}`,
      summary: `${who}: model ${lbl('model')} fails predictions`,
      description: (t) => `Model ${lbl('model')} fails more than ${num(t)} predictions per second.`,
      runbook: () => ({
        meaning: 'Prediction calls raise errors (classified by `error_type`).',
        queries: [
          {
            title: 'Errors by type',
            expr: `sum by (${model}, ${ctx.l('error_type')}) (rate(${ctx.sel('ml_prediction_errors_total')}[5m]))`,
          },
        ],
        causes: [
          'The model endpoint is down or times out.',
          'Input validation fails after an upstream schema change.',
          'A model artifact failed to load after a rollout.',
        ],
        actions: [
          'Check the model endpoint health; roll back the model version if errors started with a rollout.',
        ],
      }),
      fire: () => [
        {
          name: '0.1 errors per second',
          series: [
            series(
              ctx,
              'ml_prediction_errors_total',
              { model: 'risk-scoring', error_type: 'timeout' },
              counter(6),
            ),
          ],
          labels: { ...scope, [model]: 'risk-scoring' },
        },
      ],
      silent: () => [
        {
          name: 'no errors',
          series: [
            series(
              ctx,
              'ml_prediction_errors_total',
              { model: 'risk-scoring', error_type: 'timeout' },
              '0x90',
            ),
          ],
        },
      ],
    },
    {
      name: 'SlowModelPredictions',
      group: 'glassbox-model',
      expr: (t) =>
        `histogram_quantile(0.95, sum by (${ctx.by('model')}, le) (rate(${ctx.sel(pdur, '_bucket')}[5m])))\n> ${num(t)}`,
      summary: `${who}: model ${lbl('model')} p95 prediction latency over its SLO`,
      description: (t) =>
        `The 95th percentile of prediction latency of model ${lbl('model')} is above ${ms(t)}.`,
      runbook: (t) => ({
        meaning: `The prediction p95 is above the ${ms(t)} SLO.`,
        queries: [
          {
            title: 'p95 / p99 by model',
            expr: `histogram_quantile(0.95, sum by (${model}, le) (rate(${ctx.sel(pdur, '_bucket')}[5m])))`,
          },
          {
            title: 'Batch size p95',
            expr: `histogram_quantile(0.95, sum by (${model}, le) (rate(${ctx.sel('ml_prediction_batch_size', '_bucket')}[5m])))`,
          },
        ],
        causes: [
          'A larger model version or larger batches.',
          'CPU throttling or a cold model endpoint (scale-to-zero).',
          'Feature lookups (cache misses) slowing the call.',
        ],
        actions: [
          'Compare with the rollout markers on the ML dashboard; consider ONNX/caching as the runbooks describe.',
        ],
      }),
      fire: (t) => [
        {
          name: 'every prediction in the bucket above the threshold',
          series: histogramSeries(
            ctx,
            pdur,
            { model: 'risk-scoring', model_version: '3' },
            allIn(ctx, pdur, ctx.buckets(pdur).find((b) => b > t) ?? t * 2),
          ),
          labels: { ...scope, [model]: 'risk-scoring' },
        },
      ],
      silent: () => [
        {
          name: 'every prediction under 100 ms',
          series: histogramSeries(
            ctx,
            pdur,
            { model: 'risk-scoring', model_version: '3' },
            allIn(ctx, pdur, 0.1),
          ),
        },
      ],
    },
    {
      name: 'PredictionScoreCollapse',
      group: 'glassbox-model',
      expr: (t) => {
        const b = ctx.buckets(score);
        const by = ctx.by('model');
        const r = (le: number | '+Inf') =>
          `sum by (${by}) (rate(${ctx.sel(score, '_bucket', leMatcher(le))}[10m]))`;
        const bounds: (number | '+Inf')[] = [...b, '+Inf'];
        const terms = bounds.map((le, i) => {
          const share = i === 0 ? r(le) : `${r(le)} - ${r(bounds[i - 1] as number)}`;
          return `  label_replace(${share}, "bucket", "${le === '+Inf' ? le : leValue(le)}", "__name__", ".*")`;
        });
        return (
          `max by (${by}) (\n${terms.join('\n  or\n')}\n)\n/\n` +
          `sum by (${by}) (rate(${ctx.sel(score, '_count')}[10m]))\n> ${num(t)}`
        );
      },
      summary: `${who}: model ${lbl('model')} gives nearly every prediction the same score`,
      description: (t) =>
        `More than ${pct(t)} of the scores of model ${lbl('model')} fall in one bucket of the score histogram: the model may predict the same value (e.g. 0.0) for everyone.`,
      runbook: () => ({
        meaning:
          'The score distribution collapsed into one bucket of `ml_prediction_score`. The API still returns 200, but the model predicts (nearly) the same score for everyone — the "0.0 for everyone" failure.',
        queries: [
          {
            title: 'Score distribution',
            expr: `sum by (le) (rate(${ctx.sel(score, '_bucket', `${model}="<model>"`)}[30m]))`,
          },
          { title: 'Live model versions', expr: `${ctx.sel('ml_model_info')}` },
        ],
        causes: [
          'A feature pipeline returns nulls or defaults (a broken join, a renamed column).',
          'A bad model artifact (wrong file, untrained weights) after a rollout.',
          'Input traffic really is homogeneous (a single tenant or a test load).',
        ],
        actions: [
          'Compare with the model rollout markers; roll back the model version if it started with a rollout.',
          'Inspect recent inputs for constant or missing features.',
        ],
      }),
      fire: () => [
        {
          name: 'every score is 0.0',
          series: histogramSeries(ctx, score, { model: 'lead-scoring' }, allIn(ctx, score, 0)),
          labels: { ...scope, [model]: 'lead-scoring' },
        },
      ],
      silent: () => [
        {
          name: 'scores spread evenly',
          series: histogramSeries(ctx, score, { model: 'lead-scoring' }, [
            ...ctx.buckets(score).map(() => 6),
            0,
          ]),
        },
      ],
    },
    {
      name: 'UnbalancedPredictions',
      group: 'glassbox-model',
      expr: (t) =>
        `sum by (${ctx.by('model', 'outcome')}) (rate(${ctx.sel('ml_predictions_total', '', ctx.eq('outcome', cfg.imbalanceOutcomes, '=~'))}[10m]))\n` +
        `/ ignoring (${ctx.l('outcome')}) group_left\n` +
        `sum by (${ctx.by('model')}) (rate(${ctx.sel('ml_predictions_total')}[10m]))\n> ${num(t)}`,
      summary: `${who}: model ${lbl('model')} puts too many predictions in ${lbl('outcome')}`,
      description: (t) =>
        `More than ${pct(t)} of the predictions of model ${lbl('model')} have outcome ${lbl('outcome')}.`,
      runbook: () => ({
        meaning: 'One outcome (tier, class) takes more than its expected share of predictions.',
        queries: [
          {
            title: 'Outcome share',
            expr: `sum by (${model}, ${ctx.l('outcome')}) (rate(${ctx.sel('ml_predictions_total')}[30m])) / ignoring (${ctx.l('outcome')}) group_left sum by (${model}) (rate(${ctx.sel('ml_predictions_total')}[30m]))`,
          },
        ],
        causes: [
          'Data drift in the inputs.',
          'A miscalibrated new model version.',
          'A change in the traffic mix.',
        ],
        actions: ['Check the drift dashboard and the rollout markers; compare with last week.'],
      }),
      fire: () => [
        {
          name: '90 % of predictions in tier A',
          series: [
            series(
              ctx,
              'ml_predictions_total',
              { model: 'lead-scoring', model_version: '1', outcome: 'A' },
              counter(90),
            ),
            series(
              ctx,
              'ml_predictions_total',
              { model: 'lead-scoring', model_version: '1', outcome: 'B' },
              counter(10),
            ),
          ],
          labels: { ...scope, [model]: 'lead-scoring', [ctx.l('outcome')]: 'A' },
        },
      ],
      silent: () => [
        {
          name: 'four tiers, 25 % each',
          series: ['A', 'B', 'C', 'D'].map((o) =>
            series(
              ctx,
              'ml_predictions_total',
              { model: 'lead-scoring', model_version: '1', outcome: o },
              counter(25),
            ),
          ),
        },
      ],
    },
    {
      name: 'ModelDriftDetected',
      group: 'glassbox-drift',
      expr: () => newEvents(ctx.by('model'), ctx.sel('ml_drift_detections_total'), '1h'),
      summary: `${who}: drift detected for model ${lbl('model')}`,
      description: () =>
        `A drift check of model ${lbl('model')} found at least one feature over its threshold in the last hour.`,
      runbook: () => ({
        meaning: 'A drift check found features whose distribution moved past the threshold (PSI, KS, ...).',
        queries: [
          { title: 'Drift scores', expr: `${ctx.sel('ml_drift_score')}` },
          { title: 'Thresholds', expr: `${ctx.sel('ml_drift_threshold')}` },
        ],
        causes: [
          'Real change in the population (season, new market).',
          'An upstream data bug.',
          'A stale reference window.',
        ],
        actions: [
          'Look at the drift dashboard per feature; retrain or fix the pipeline; see model-monitoring runbook.',
        ],
      }),
      fire: () => [
        {
          name: 'a detection every minute',
          series: [series(ctx, 'ml_drift_detections_total', { model: 'risk-scoring' }, counter(1))],
          labels: { ...scope, [model]: 'risk-scoring' },
        },
        {
          name: 'first detection of a new series',
          series: [series(ctx, 'ml_drift_detections_total', { model: 'risk-scoring' }, '_x10 1x30')],
          evalTime: '25m',
          labels: { ...scope, [model]: 'risk-scoring' },
        },
      ],
      silent: () => [
        {
          name: 'no detections',
          series: [series(ctx, 'ml_drift_detections_total', { model: 'risk-scoring' }, '0x90')],
        },
      ],
    },
    {
      name: 'DriftScoreAboveThreshold',
      group: 'glassbox-drift',
      expr: () => {
        const by = ctx.by('model', 'feature', 'method');
        const s = `max by (${by}) (${ctx.sel('ml_drift_score')})`;
        const th = `max by (${by}) (${ctx.sel('ml_drift_threshold')})`;
        return `${s} > ${th}\nor\n(${s} > ${num(cfg.defaultDriftThreshold)} unless ${th})`;
      },
      summary: `${who}: feature ${lbl('feature')} of model ${lbl('model')} drifted`,
      description: () =>
        `The ${lbl('method')} drift score of feature ${lbl('feature')} (model ${lbl('model')}) is above its threshold (ml_drift_threshold, or ${num(cfg.defaultDriftThreshold)} when none is exported).`,
      runbook: () => ({
        meaning: 'A feature’s drift score stays above its threshold.',
        queries: [
          {
            title: 'Score vs threshold',
            expr: `${ctx.sel('ml_drift_score', '', `${ctx.l('feature')}="<feature>"`)} or ${ctx.sel('ml_drift_threshold', '', `${ctx.l('feature')}="<feature>"`)}`,
          },
        ],
        causes: ['Population change.', 'A broken feature (constant, null, unit change).'],
        actions: ['Check the feature pipeline; retrain when the change is real.'],
      }),
      fire: () => {
        const l = { model: 'risk-scoring', feature: 'deal_size', method: 'psi' };
        return [
          {
            name: 'PSI 0.35 over threshold 0.2',
            series: [
              series(ctx, 'ml_drift_score', l, '0.35x90'),
              series(ctx, 'ml_drift_threshold', l, '0.2x90'),
            ],
            labels: {
              ...scope,
              [model]: 'risk-scoring',
              [ctx.l('feature')]: 'deal_size',
              [ctx.l('method')]: 'psi',
            },
          },
        ];
      },
      silent: () => {
        const l = { model: 'risk-scoring', feature: 'deal_size', method: 'psi' };
        return [
          {
            name: 'PSI 0.1 under threshold 0.2',
            series: [
              series(ctx, 'ml_drift_score', l, '0.1x90'),
              series(ctx, 'ml_drift_threshold', l, '0.2x90'),
            ],
          },
        ];
      },
    },
    {
      name: 'ModelPerformanceDegraded',
      group: 'glassbox-model',
      expr: () => newEvents(ctx.by('model', 'metric'), ctx.sel('ml_performance_degraded_total'), '1h'),
      summary: `${who}: model ${lbl('model')} ${lbl('metric')} degraded`,
      description: () =>
        `A quality measurement (${lbl('metric')}) of model ${lbl('model')} crossed its bound in the last hour.`,
      runbook: () => ({
        meaning:
          'A model quality measurement (accuracy, Brier score, MAPE, ...) crossed its configured bound.',
        queries: [{ title: 'Quality', expr: `${ctx.sel('ml_model_quality')}` }],
        causes: ['Concept drift.', 'Label delays making the measurement noisy.', 'A worse model version.'],
        actions: ['Compare with drift and rollouts; roll back or retrain.'],
      }),
      fire: () => [
        {
          name: 'degradations counted',
          series: [
            series(
              ctx,
              'ml_performance_degraded_total',
              { model: 'risk-scoring', metric: 'brier' },
              counter(1),
            ),
          ],
          labels: { ...scope, [model]: 'risk-scoring', [ctx.l('metric')]: 'brier' },
        },
      ],
      silent: () => [
        {
          name: 'no degradation',
          series: [
            series(ctx, 'ml_performance_degraded_total', { model: 'risk-scoring', metric: 'brier' }, '0x90'),
          ],
        },
      ],
    },
    {
      name: 'BatchJobFailed',
      group: 'glassbox-batch',
      expr: () =>
        newEvents(ctx.by('job_name'), ctx.sel('batch_job_runs_total', '', ctx.eq('status', 'failure')), '1h'),
      summary: `${who}: batch job ${lbl('job_name')} failed`,
      description: () => `A run of batch job ${lbl('job_name')} failed in the last hour.`,
      runbook: () => ({
        meaning: 'A batch job run ended with status failure.',
        queries: [
          {
            title: 'Runs by status',
            expr: `sum by (${ctx.l('job_name')}, ${ctx.l('status')}) (increase(${ctx.sel('batch_job_runs_total')}[1d]))`,
          },
        ],
        causes: [
          'Input data missing or late.',
          'A dependency down during the run.',
          'A code bug on a new input shape.',
        ],
        actions: ['Read the job logs; retry; see the backfill-failure runbook for escalation.'],
      }),
      fire: () => [
        {
          name: 'first failure of a job',
          series: [
            series(
              ctx,
              'batch_job_runs_total',
              { job_name: 'risk-snapshot-backfill', status: 'failure' },
              '_x10 1x30',
            ),
          ],
          evalTime: '25m',
          labels: { ...scope, [ctx.l('job_name')]: 'risk-snapshot-backfill' },
        },
        {
          name: 'repeated failures',
          series: [
            series(
              ctx,
              'batch_job_runs_total',
              { job_name: 'risk-snapshot-backfill', status: 'failure' },
              '0+1x90',
            ),
          ],
          labels: { ...scope, [ctx.l('job_name')]: 'risk-snapshot-backfill' },
        },
      ],
      silent: () => [
        {
          name: 'only successes',
          series: [
            series(
              ctx,
              'batch_job_runs_total',
              { job_name: 'risk-snapshot-backfill', status: 'success' },
              '0+1x90',
            ),
            series(
              ctx,
              'batch_job_runs_total',
              { job_name: 'risk-snapshot-backfill', status: 'failure' },
              '0x90',
            ),
          ],
        },
      ],
    },
    {
      name: 'BatchJobStale',
      group: 'glassbox-batch',
      expr: (t) => {
        const by = ctx.by('job_name');
        const jobs = Object.entries(cfg.batchJobIntervals);
        const last = (m?: string) =>
          `time() - max by (${by}) (${m === undefined ? ctx.sel('batch_job_last_success_timestamp_seconds') : ctx.sel('batch_job_last_success_timestamp_seconds', '', m)})`;
        if (jobs.length === 0) return `${last()}\n> ${num(t)}`;
        const others = ctx.eq(
          'job_name',
          jobs.map(([j]) => j.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|'),
          '!~',
        );
        return [
          `${last(others)} > ${num(t)}`,
          ...jobs.map(([j, s]) => `${last(ctx.eq('job_name', j))} > ${num(s)}`),
        ].join('\nor\n');
      },
      summary: `${who}: batch job ${lbl('job_name')} has not succeeded within its expected interval`,
      description: (t) =>
        `Batch job ${lbl('job_name')} has had no successful run for longer than expected (default ${num(t / 3600)} h).`,
      runbook: () => ({
        meaning: 'The last successful run of the job is older than its expected interval.',
        queries: [
          {
            title: 'Time since last success',
            expr: `time() - ${ctx.sel('batch_job_last_success_timestamp_seconds')}`,
          },
          {
            title: 'Triggers',
            expr: `sum by (${ctx.l('batch_job')}) (increase(${ctx.sel('batch_job_triggers_total')}[1d]))`,
          },
        ],
        causes: [
          'The scheduler stopped triggering the job (no triggers either).',
          'Every run fails (see BatchJobFailed).',
          'The job hangs (batch_job_in_progress stays at 1).',
        ],
        actions: ['Check the scheduler and the job logs; run the job by hand once fixed.'],
      }),
      fire: (t) => [
        {
          name: 'last success long before the window',
          series: [
            series(
              ctx,
              'batch_job_last_success_timestamp_seconds',
              { job_name: 'model-monitoring' },
              `-${num(t + 7200)}x90`,
            ),
          ],
          labels: { ...scope, [ctx.l('job_name')]: 'model-monitoring' },
        },
      ],
      silent: () => [
        {
          name: 'succeeding every minute',
          series: [
            series(
              ctx,
              'batch_job_last_success_timestamp_seconds',
              { job_name: 'model-monitoring' },
              '0+60x90',
            ),
          ],
        },
      ],
    },
    {
      name: 'ConsumerHighErrorRatio',
      group: 'glassbox-consumer',
      expr: (t) =>
        `sum by (${ctx.by('queue')}) (rate(${ctx.sel('rabbitmq_messages_consumed_total', '', ctx.eq('outcome', 'error|nack|reject', '=~'))}[5m]))\n/\n` +
        `sum by (${ctx.by('queue')}) (rate(${ctx.sel('rabbitmq_messages_consumed_total')}[5m]))\n> ${num(t)}`,
      summary: `${who}: consumer of queue ${lbl('queue')} fails messages`,
      description: (t) =>
        `More than ${pct(t)} of the messages of queue ${lbl('queue')} end in error, nack or reject.`,
      runbook: () => ({
        meaning: 'The consumer settles too many messages with error, nack or reject.',
        queries: [
          {
            title: 'Outcomes',
            expr: `sum by (${ctx.l('queue')}, ${ctx.l('outcome')}) (rate(${ctx.sel('rabbitmq_messages_consumed_total')}[5m]))`,
          },
        ],
        causes: ['Poison messages (a new producer format).', 'A dependency of the handler is down.'],
        actions: ['Inspect the dead-letter queue; fix or skip poison messages; check dependencies.'],
      }),
      fire: () => [
        {
          name: '10 % errors',
          series: [
            series(
              ctx,
              'rabbitmq_messages_consumed_total',
              { queue: 'bi_batch_jobs', outcome: 'error' },
              counter(10),
            ),
            series(
              ctx,
              'rabbitmq_messages_consumed_total',
              { queue: 'bi_batch_jobs', outcome: 'ack' },
              counter(90),
            ),
          ],
          labels: { ...scope, [ctx.l('queue')]: 'bi_batch_jobs' },
        },
      ],
      silent: () => [
        {
          name: '1 % errors',
          series: [
            series(
              ctx,
              'rabbitmq_messages_consumed_total',
              { queue: 'bi_batch_jobs', outcome: 'error' },
              counter(1),
            ),
            series(
              ctx,
              'rabbitmq_messages_consumed_total',
              { queue: 'bi_batch_jobs', outcome: 'ack' },
              counter(99),
            ),
          ],
        },
      ],
    },
    {
      name: 'ConsumerStalled',
      group: 'glassbox-consumer',
      expr: () =>
        `sum by (${ctx.by('queue')}) (${ctx.sel('rabbitmq_messages_in_flight')}) > 0\n` +
        `unless\nsum by (${ctx.by('queue')}) (rate(${ctx.sel('rabbitmq_messages_consumed_total')}[10m])) > 0`,
      summary: `${who}: consumer of queue ${lbl('queue')} is stalled`,
      description: () => `Queue ${lbl('queue')} has messages in flight but none was settled for 10 minutes.`,
      runbook: () => ({
        meaning: 'Messages were delivered to the consumer but none completes: the handler hangs.',
        queries: [
          {
            title: 'In flight',
            expr: `sum by (${ctx.l('queue')}) (${ctx.sel('rabbitmq_messages_in_flight')})`,
          },
          {
            title: 'Completions',
            expr: `sum by (${ctx.l('queue')}) (rate(${ctx.sel('rabbitmq_messages_consumed_total')}[10m]))`,
          },
        ],
        causes: ['A handler awaiting a dependency without a timeout.', 'A deadlock or an event-loop block.'],
        actions: ['Take a heap/CPU profile or restart the consumer; add timeouts to the handler.'],
      }),
      fire: () => [
        {
          name: '3 in flight, nothing completes',
          series: [
            series(ctx, 'rabbitmq_messages_in_flight', { queue: 'bi_batch_jobs' }, '3x90'),
            series(
              ctx,
              'rabbitmq_messages_consumed_total',
              { queue: 'bi_batch_jobs', outcome: 'ack' },
              '0x90',
            ),
          ],
          labels: { ...scope, [ctx.l('queue')]: 'bi_batch_jobs' },
        },
      ],
      silent: () => [
        {
          name: '3 in flight, 60 completions a minute',
          series: [
            series(ctx, 'rabbitmq_messages_in_flight', { queue: 'bi_batch_jobs' }, '3x90'),
            series(
              ctx,
              'rabbitmq_messages_consumed_total',
              { queue: 'bi_batch_jobs', outcome: 'ack' },
              counter(60),
            ),
          ],
        },
      ],
    },
    {
      name: 'LLMCostOverBudget',
      group: 'glassbox-llm',
      expr: (t) =>
        `sum by (${ctx.by()}) (rate(${ctx.sel('llm_generation_cost_dollars_total')}[1h])) * 3600\n> ${num(t)}`,
      summary: `${who}: LLM spend above budget`,
      description: (t) => `LLM generation costs of ${who} run above $${num(t)} per hour.`,
      runbook: (t) => ({
        meaning: `The LLM cost rate over the last hour is above $${num(t)}/hour.`,
        queries: [
          {
            title: 'Cost per hour by provider and model',
            expr: `sum by (${ctx.l('provider')}, ${model}) (rate(${ctx.sel('llm_generation_cost_dollars_total')}[1h])) * 3600`,
          },
          {
            title: 'Tokens by type',
            expr: `sum by (${ctx.l('type')}) (rate(${ctx.sel('llm_tokens_total')}[1h]))`,
          },
        ],
        causes: [
          'A retry loop or a runaway job.',
          'A switch to a more expensive model.',
          'Prompts grew (more input tokens).',
        ],
        actions: ['Find the provider/model driving the cost; pause the offending jobs.'],
      }),
      fire: () => [
        {
          name: '$30 per hour',
          // rate() over 1h divides by the whole window: evaluate once an hour of data exists.
          evalTime: '60m',
          series: [
            series(
              ctx,
              'llm_generation_cost_dollars_total',
              { provider: 'openai', model: 'gpt-4o' },
              '0+0.5x90',
            ),
          ],
          labels: scope,
        },
      ],
      silent: () => [
        {
          name: '$3 per hour',
          evalTime: '60m',
          series: [
            series(
              ctx,
              'llm_generation_cost_dollars_total',
              { provider: 'openai', model: 'gpt-4o' },
              '0+0.05x90',
            ),
          ],
        },
      ],
    },
    {
      name: 'InstrumentationErrors',
      group: 'glassbox-sdk',
      expr: () => newEvents(ctx.by('component'), ctx.sel('glassbox_instrumentation_errors_total'), '10m'),
      summary: `${who}: Glassbox dropped recordings in ${lbl('component')}`,
      description: () =>
        `Glassbox caught and dropped recording errors in component ${lbl('component')} (the service kept working; its logs show the first occurrence of each cause).`,
      runbook: () => ({
        meaning:
          'Instrumentation caught an error (bad label value, series cap reached, backend failure) and dropped the value instead of failing the host.',
        queries: [
          {
            title: 'Errors by component',
            expr: `sum by (${ctx.l('component')}) (increase(${ctx.sel('glassbox_instrumentation_errors_total')}[1h]))`,
          },
        ],
        causes: [
          'A label value that is missing or not a string.',
          'A metric hit its series cap (cardinality): new label sets go to the overflow series.',
          'A broken metrics backend.',
        ],
        actions: [
          'Read the warning Glassbox logged once per cause; fix the call site or raise the series cap.',
        ],
      }),
      fire: () => [
        {
          name: 'errors counted',
          series: [series(ctx, 'glassbox_instrumentation_errors_total', { component: 'http' }, counter(1))],
          labels: { ...scope, [ctx.l('component')]: 'http' },
        },
      ],
      silent: () => [
        {
          name: 'no errors',
          series: [series(ctx, 'glassbox_instrumentation_errors_total', { component: 'http' }, '0x90')],
        },
      ],
    },
  ];

  const out: AlertSpec[] = [];
  for (const d of drafts) {
    const o = cfg.alerts[d.name] ?? {};
    if (o.enabled === false) continue;
    const def = ALERT_DEFAULTS[d.name];
    if (o.threshold !== undefined && def.threshold === null)
      throw new MixinConfigError(
        `alerts.${d.name}.threshold`,
        `${d.name} has no threshold (see its runbook)`,
      );
    const t = o.threshold ?? def.threshold ?? 0;
    out.push({
      alert: d.name,
      group: d.group,
      expr: d.expr(t),
      for: o.for ?? def.for,
      severity: o.severity ?? def.severity,
      team: o.team ?? cfg.team,
      summary: d.summary,
      description: d.description(t),
      ...(def.threshold === null ? {} : { threshold: t }),
      runbook: d.runbook(t),
      fire: d.fire(t),
      silent: d.silent(t),
    });
  }
  return out;
}
