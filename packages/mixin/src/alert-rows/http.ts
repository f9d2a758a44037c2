/** Alert rows of the availability and HTTP groups. */
import { type AlertRow, ms, pct } from '../alert-kit.js';
import { num } from '../context.js';
import { allIn, histogramSeries, rawSeries, series, targetLabels } from '../rules-model.js';

const lat = 'http_request_duration_seconds';
const httpLabels = { method: 'GET', route: '/users/:id' };

/** ServiceDown. */
export const serviceDown: AlertRow = {
  name: 'ServiceDown',
  group: 'glassbox-availability',
  needs: 'always',
  expr: (k) => `up${k.cfg.selector === '' ? '' : `{${k.cfg.selector}}`} == 0`,
  summary: (k) => `${k.who}: target {{ $labels.instance }} is down`,
  description: (k) =>
    `Prometheus cannot scrape {{ $labels.instance }} of job ${k.who}: the service is down, unreachable, or its /metrics endpoint refuses the bearer token.`,
  runbook: (k) => ({
    meaning:
      'Prometheus failed to scrape the target (`up == 0`). Either the process is down, the network path is broken, or `/metrics` answers with an error — a 401 when the bearer token in `credentials_file` does not match the service’s token.',
    queries: [
      { title: 'Targets down', expr: `up{${k.cfg.selector}} == 0` },
      { title: 'Scrape duration', expr: `scrape_duration_seconds{${k.cfg.selector}}` },
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
  fire: (k) => {
    const labels = { ...targetLabels(k.ctx), instance: 'app-1:9464' };
    return [{ name: 'target down', series: [rawSeries('up', labels, '0x90')], labels }];
  },
  silent: (k) => [
    {
      name: 'target up',
      series: [rawSeries('up', { ...targetLabels(k.ctx), instance: 'app-1:9464' }, '1x90')],
    },
  ],
};

/** HighErrorRate. */
export const highErrorRate: AlertRow = {
  name: 'HighErrorRate',
  group: 'glassbox-http',
  needs: 'http',
  metric: 'http_requests_total',
  expr: (k, t) =>
    `sum by (${k.ctx.by()}) (rate(${k.ctx.sel('http_requests_total', '', k.ctx.eq('status_code', '5..', '=~'))}[5m]))\n/\n` +
    `sum by (${k.ctx.by()}) (rate(${k.ctx.sel('http_requests_total')}[5m]))\n> ${num(t)}`,
  summary: (k) => `${k.who}: more than the allowed share of HTTP requests fail with 5xx`,
  description: (k, t) => `Over 5 minutes more than ${pct(t)} of the HTTP requests of ${k.who} answered 5xx.`,
  runbook: (k) => ({
    meaning: 'The share of HTTP responses with a 5xx status is above the threshold: users see errors.',
    queries: [
      {
        title: '5xx by route',
        expr: `sum by (${k.ctx.l('route')}, ${k.ctx.l('status_code')}) (rate(${k.ctx.sel('http_requests_total', '', k.ctx.eq('status_code', '5..', '=~'))}[5m]))`,
      },
      {
        title: 'Request rate by status',
        expr: `sum by (${k.ctx.l('status_code')}) (rate(${k.ctx.sel('http_requests_total')}[5m]))`,
      },
    ],
    causes: [
      'A bad deploy (compare with the last rollout).',
      'A failing dependency (database, model endpoint, message broker).',
      'Resource exhaustion (memory, connection pools) under load.',
    ],
    actions: ['Find the failing routes, read the service logs, roll back if a deploy started it.'],
  }),
  fire: (k) => [
    {
      name: '20 % of requests fail',
      series: [
        series(k.ctx, 'http_requests_total', { ...httpLabels, status_code: '500' }, k.counter(12)),
        series(k.ctx, 'http_requests_total', { ...httpLabels, status_code: '200' }, k.counter(48)),
      ],
      labels: k.scope,
    },
  ],
  silent: (k) => [
    {
      name: '1 % of requests fail',
      series: [
        series(k.ctx, 'http_requests_total', { ...httpLabels, status_code: '500' }, k.counter(1)),
        series(k.ctx, 'http_requests_total', { ...httpLabels, status_code: '200' }, k.counter(99)),
      ],
    },
  ],
};

/** HighLatency and CriticalLatency: the same rule at two thresholds. */
function latencyRow(name: 'HighLatency' | 'CriticalLatency'): AlertRow {
  return {
    name,
    group: 'glassbox-http',
    needs: 'http',
    metric: lat,
    expr: (k, t) =>
      `histogram_quantile(0.95, sum by (${k.ctx.by()}, le) (rate(${k.ctx.sel(lat, '_bucket')}[5m])))\n> ${num(t)}`,
    summary: (k) =>
      `${k.who}: HTTP p95 latency above the ${name === 'HighLatency' ? 'warning' : 'critical'} threshold`,
    description: (k, t) => `The 95th percentile of HTTP request duration of ${k.who} is above ${ms(t)}.`,
    runbook: (k, t) => ({
      meaning: `Over 5 minutes, 5 % of HTTP requests took longer than ${ms(t)}.`,
      queries: [
        {
          title: 'p95 by route',
          expr: `histogram_quantile(0.95, sum by (${k.ctx.l('route')}, le) (rate(${k.ctx.sel(lat, '_bucket')}[5m])))`,
        },
        { title: 'Requests in flight', expr: `sum(${k.ctx.sel('http_requests_in_flight')})` },
      ],
      causes: [
        'A slow dependency (database, model inference, external API).',
        'CPU saturation or garbage-collection pauses; too few replicas for the load.',
        'A new code path or a larger payload after a deploy.',
      ],
      actions: ['Find the slow routes; scale out if every route is slow; check dependencies.'],
    }),
    fire: (k, t) => {
      // Everything in the bucket above the threshold (0.5 → (0.5, 1], 1 → (1, 2]).
      const above = k.ctx.buckets(lat).find((b) => b > t) ?? t * 2;
      return [
        {
          name: `every request takes about ${ms(above)}`,
          series: histogramSeries(
            k.ctx,
            lat,
            { ...httpLabels, status_code: '200' },
            allIn(k.ctx, lat, above),
          ),
          labels: k.scope,
        },
      ];
    },
    silent: (k) => [
      {
        name: 'every request under 100 ms',
        series: histogramSeries(k.ctx, lat, { ...httpLabels, status_code: '200' }, allIn(k.ctx, lat, 0.1)),
      },
    ],
  };
}

/** HighLatency. */
export const highLatency: AlertRow = latencyRow('HighLatency');

/** CriticalLatency. */
export const criticalLatency: AlertRow = latencyRow('CriticalLatency');

/** HighActiveRequests. */
export const highActiveRequests: AlertRow = {
  name: 'HighActiveRequests',
  group: 'glassbox-http',
  needs: 'http',
  metric: 'http_requests_in_flight',
  expr: (k, t) => `sum by (${k.ctx.by()}, instance) (${k.ctx.sel('http_requests_in_flight')})\n> ${num(t)}`,
  summary: (k) => `${k.who}: too many HTTP requests in flight on {{ $labels.instance }}`,
  description: (_k, t) => `More than ${num(t)} requests are being served at once by {{ $labels.instance }}.`,
  runbook: (k) => ({
    meaning: 'Requests pile up: they arrive faster than the instance finishes them.',
    queries: [
      {
        title: 'In flight by instance',
        expr: `sum by (instance) (${k.ctx.sel('http_requests_in_flight')})`,
      },
      { title: 'Request rate', expr: `sum(rate(${k.ctx.sel('http_requests_total')}[5m]))` },
    ],
    causes: ['A traffic spike.', 'A slow dependency holding requests open.', 'Too few replicas.'],
    actions: ['Scale out; look for the slow dependency with the latency panels.'],
  }),
  fire: (k) => [
    {
      name: '150 requests in flight',
      series: [series(k.ctx, 'http_requests_in_flight', { method: 'GET', instance: 'app-1:9464' }, '150x90')],
      labels: { ...k.scope, instance: 'app-1:9464' },
    },
  ],
  silent: (k) => [
    { name: '5 in flight', series: [series(k.ctx, 'http_requests_in_flight', { method: 'GET' }, '5x90')] },
  ],
};
