/** The service overview (RED) dashboard. */
import type { DashboardRow } from '../dashboard-kit.js';

/** serviceOverviewDashboard. */
export const serviceOverviewDashboard: DashboardRow = {
  key: 'service-overview',
  title: 'Service overview (RED)',
  needs: 'always',
  description: 'Rate, errors and duration of HTTP traffic, in-flight requests and instrumentation health.',
  variables: () => [],
  rows: [
    {
      title: 'Health',
      panels: [
        {
          build: (k) => ({
            title: 'Targets up',
            kind: 'stat',
            unit: 'none',
            queries: [
              { expr: `sum(up{job=~"$job", ${k.ctx.config.serviceLabel}=~"$service"})`, legend: 'up' },
            ],
          }),
        },
        {
          needs: 'http',
          build: (k) => ({
            title: 'Request rate',
            kind: 'stat',
            unit: 'reqps',
            queries: [{ expr: `sum(${k.rec(k.r.httpRate)})`, legend: 'req/s' }],
          }),
        },
        {
          needs: 'http',
          build: (k) => ({
            title: '5xx ratio',
            kind: 'stat',
            unit: 'percentunit',
            threshold: k.alerts.HighErrorRate?.threshold ?? 0.05,
            queries: [
              {
                expr: `sum(${k.rec(k.r.httpRate, k.ctx.eq('status_code', '5..', '=~'))}) / sum(${k.rec(k.r.httpRate)})`,
                legend: '5xx',
              },
            ],
          }),
        },
        {
          build: (k) => ({
            title: 'Instrumentation errors (1h)',
            kind: 'stat',
            unit: 'none',
            queries: [
              {
                // no series yet means no error yet: 0, not "No data"
                expr: `sum(increase(${k.d('glassbox_instrumentation_errors_total')}[1h])) or on() vector(0)`,
                legend: 'errors',
              },
            ],
          }),
        },
      ],
    },
    {
      title: 'Rate and errors',
      panels: [
        {
          needs: 'http',
          build: (k) =>
            k.ts('Requests by route', 'reqps', [
              { expr: `sum by (${k.l('route')}) (${k.rec(k.r.httpRate)})`, legend: `{{${k.l('route')}}}` },
            ]),
        },
        {
          needs: 'http',
          build: (k) =>
            k.ts('Requests by status code', 'reqps', [
              {
                expr: `sum by (${k.l('status_code')}) (${k.rec(k.r.httpRate)})`,
                legend: `{{${k.l('status_code')}}}`,
              },
            ]),
        },
        {
          needs: 'http',
          build: (k) =>
            k.ts(
              '5xx ratio by route',
              'percentunit',
              [
                {
                  expr: `sum by (${k.l('route')}) (${k.rec(k.r.httpRate, k.ctx.eq('status_code', '5..', '=~'))}) / sum by (${k.l('route')}) (${k.rec(k.r.httpRate)})`,
                  legend: `{{${k.l('route')}}}`,
                },
              ],
              { threshold: k.alerts.HighErrorRate?.threshold ?? 0.05 },
            ),
        },
        {
          needs: 'http',
          build: (k) =>
            k.ts('In-flight requests', 'none', [
              {
                expr: `sum by (${k.l('method')}) (${k.d('http_requests_in_flight')})`,
                legend: `{{${k.l('method')}}}`,
              },
            ]),
        },
      ],
    },
    {
      title: 'Duration',
      panels: [
        {
          needs: 'http',
          build: (k) =>
            k.ts(
              'p95 latency by route',
              's',
              [
                { expr: `max by (${k.l('route')}) (${k.rec(k.r.httpP95)})`, legend: `{{${k.l('route')}}}` },
                k.exemplars('http_request_duration_seconds', k.l('route')),
              ],
              { threshold: k.alerts.HighLatency?.threshold ?? 0.5 },
            ),
        },
        {
          needs: 'http',
          build: (k) =>
            k.ts('p99 latency by route', 's', [
              { expr: `max by (${k.l('route')}) (${k.rec(k.r.httpP99)})`, legend: `{{${k.l('route')}}}` },
              k.exemplars('http_request_duration_seconds', k.l('route')),
            ]),
        },
        {
          needs: 'http',
          build: (k) =>
            k.ts('Request size p95', 'bytes', [
              {
                expr: k.q(0.95, k.l('route'), k.d('http_request_size_bytes', '_bucket')),
                legend: `{{${k.l('route')}}}`,
              },
            ]),
        },
        {
          needs: 'http',
          build: (k) =>
            k.ts('Response size p95', 'bytes', [
              {
                expr: k.q(0.95, k.l('route'), k.d('http_response_size_bytes', '_bucket')),
                legend: `{{${k.l('route')}}}`,
              },
            ]),
        },
      ],
    },
    {
      title: 'Outbound HTTP (dependencies)',
      panels: [
        {
          needs: 'http_client',
          build: (k) =>
            k.ts('Outbound requests by host and status', 'reqps', [
              {
                expr: `sum by (${k.l('host')}, ${k.l('status_code')}) (${k.rate(k.d('http_client_requests_total'))})`,
                legend: `{{${k.l('host')}}} {{${k.l('status_code')}}}`,
              },
            ]),
        },
        {
          needs: 'http_client',
          build: (k) =>
            k.ts('Outbound p95 latency by host', 's', [
              {
                expr: k.q(0.95, k.l('host'), k.d('http_client_request_duration_seconds', '_bucket')),
                legend: `{{${k.l('host')}}}`,
              },
            ]),
        },
      ],
    },
    {
      title: 'Instrumentation',
      panels: [
        {
          build: (k) =>
            k.ts('Instrumentation errors by component', 'none', [
              {
                // until a first error is counted, one 0 line (component "none") instead of "No data"
                expr: `sum by (${k.l('component')}) (${k.rate(k.d('glassbox_instrumentation_errors_total'))}) or on() label_replace(vector(0), "${k.l('component')}", "none", "", "")`,
                legend: `{{${k.l('component')}}}`,
              },
            ]),
        },
      ],
    },
  ],
};
