/** The batch, consumer and LLM dashboards. */
import type { DashboardRow } from '../dashboard-kit.js';

/** batchDashboard. */
export const batchDashboard: DashboardRow = {
  key: 'batch',
  title: 'Batch jobs',
  needs: 'batch',
  description: 'Duration p99, runs by status, time since last success, triggers and progress per batch job.',
  variables: (k) => [{ name: 'job_name', label: k.jobName, metric: k.ctx.m('batch_job_runs_total') }],
  rows: [
    {
      title: 'Runs',
      panels: [
        {
          build: (k) =>
            k.ts('Duration p99', 's', [
              {
                expr: `max by (${k.jobName}) (${k.rec(k.r.batchP99, k.jobSel)})`,
                legend: `{{${k.jobName}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Runs by status (1h)', 'none', [
              {
                expr: `sum by (${k.jobName}, ${k.l('status')}) (increase(${k.d('batch_job_runs_total', '', k.jobSel)}[1h]))`,
                legend: `{{${k.jobName}}} {{${k.l('status')}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts(
              'Time since last success',
              's',
              [
                {
                  expr: `time() - max by (${k.jobName}) (${k.d('batch_job_last_success_timestamp_seconds', '', k.jobSel)})`,
                  legend: `{{${k.jobName}}}`,
                },
              ],
              { threshold: k.alerts.BatchJobStale?.threshold ?? 93_600 },
            ),
        },
        {
          build: (k) =>
            k.ts('Triggers (1h)', 'none', [
              {
                expr: `sum by (${k.l('batch_job')}) (increase(${k.d('batch_job_triggers_total')}[1h]))`,
                legend: `{{${k.l('batch_job')}}}`,
              },
            ]),
        },
      ],
    },
    {
      title: 'Progress',
      panels: [
        {
          build: (k) =>
            k.ts('In progress', 'none', [
              {
                expr: `sum by (${k.jobName}) (${k.d('batch_job_in_progress', '', k.jobSel)})`,
                legend: `{{${k.jobName}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Progress', 'percentunit', [
              {
                expr: `max by (${k.jobName}) (${k.d('batch_job_progress_ratio', '', k.jobSel)})`,
                legend: `{{${k.jobName}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Items processed', 'ops', [
              {
                expr: `sum by (${k.jobName}, ${k.l('outcome')}) (${k.rate(k.d('batch_job_items_processed_total', '', k.jobSel))})`,
                legend: `{{${k.jobName}}} {{${k.l('outcome')}}}`,
              },
            ]),
        },
      ],
    },
  ],
};

/** consumersDashboard. */
export const consumersDashboard: DashboardRow = {
  key: 'consumers',
  title: 'Message consumers',
  needs: 'consumer',
  description:
    'Consume rate by queue and outcome, processing p95, in-flight messages, message age and publishing.',
  variables: (k) => [{ name: 'queue', label: k.queue, metric: k.ctx.m('rabbitmq_messages_consumed_total') }],
  rows: [
    {
      title: 'Consumers',
      panels: [
        {
          build: (k) =>
            k.ts('Messages by queue and outcome', 'ops', [
              {
                expr: `sum by (${k.queue}, ${k.l('outcome')}) (${k.rec(k.r.consumerRate, k.queueSel)})`,
                legend: `{{${k.queue}}} {{${k.l('outcome')}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Processing p95', 's', [
              {
                expr: `max by (${k.queue}) (${k.rec(k.r.consumerP95, k.queueSel)})`,
                legend: `{{${k.queue}}}`,
              },
              k.exemplars('rabbitmq_message_processing_duration_seconds', k.queue, k.queueSel),
            ]),
        },
        {
          build: (k) =>
            k.ts('In flight', 'none', [
              {
                expr: `sum by (${k.queue}) (${k.d('rabbitmq_messages_in_flight', '', k.queueSel)})`,
                legend: `{{${k.queue}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Message age p95', 's', [
              {
                expr: k.q(0.95, k.queue, k.d('rabbitmq_message_age_seconds', '_bucket', k.queueSel)),
                legend: `{{${k.queue}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Redeliveries', 'ops', [
              {
                expr: `sum by (${k.queue}) (${k.rate(k.d('rabbitmq_messages_redelivered_total', '', k.queueSel))})`,
                legend: `{{${k.queue}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Published by exchange and outcome', 'ops', [
              {
                expr: `sum by (${k.l('exchange')}, ${k.l('outcome')}) (${k.rate(k.d('rabbitmq_messages_published_total'))})`,
                legend: `{{${k.l('exchange')}}} {{${k.l('outcome')}}}`,
              },
            ]),
        },
      ],
    },
  ],
};

/** llmDashboard. */
export const llmDashboard: DashboardRow = {
  key: 'llm',
  title: 'LLM',
  needs: 'llm',
  description: 'LLM cost per hour against the budget, tokens and generation latency by provider and model.',
  variables: (k) => [{ name: 'provider', label: k.provider, metric: k.ctx.m('llm_tokens_total') }],
  rows: [
    {
      title: 'Cost and usage',
      panels: [
        {
          build: (k) =>
            k.ts(
              'Cost per hour',
              'currencyUSD',
              [
                {
                  expr: `sum by (${k.provider}, ${k.model}) (${k.rec(k.r.llmCostRate1h, `${k.provider}=~"$provider"`)}) * 3600`,
                  legend: `{{${k.provider}}} {{${k.model}}}`,
                },
              ],
              { threshold: k.alerts.LLMCostOverBudget?.threshold ?? 10 },
            ),
        },
        {
          build: (k) =>
            k.ts('Tokens by type', 'short', [
              {
                expr: `sum by (${k.provider}, ${k.model}, ${k.l('type')}) (${k.rate(k.d('llm_tokens_total', '', `${k.provider}=~"$provider"`))})`,
                legend: `{{${k.provider}}} {{${k.model}}} {{${k.l('type')}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Generation p95', 's', [
              {
                expr: `histogram_quantile(0.95, sum by (${k.provider}, ${k.model}, le) (${k.rate(k.d('llm_generation_duration_seconds', '_bucket', `${k.provider}=~"$provider"`))}))`,
                legend: `{{${k.provider}}} {{${k.model}}}`,
              },
            ]),
        },
      ],
    },
  ],
};
