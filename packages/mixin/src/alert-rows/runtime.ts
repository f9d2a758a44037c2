/** Alert rows of the consumer, LLM and SDK groups. */
import { type AlertRow, newEvents, pct } from '../alert-kit.js';
import { num } from '../context.js';
import { series } from '../rules-model.js';

/** ConsumerHighErrorRatio. */
export const consumerHighErrorRatio: AlertRow = {
  name: 'ConsumerHighErrorRatio',
  group: 'glassbox-consumer',
  needs: 'consumer',
  metric: 'rabbitmq_messages_consumed_total',
  expr: (k, t) =>
    `sum by (${k.ctx.by('queue')}) (rate(${k.ctx.sel('rabbitmq_messages_consumed_total', '', k.ctx.eq('outcome', 'error|nack|reject', '=~'))}[5m]))\n/\n` +
    `sum by (${k.ctx.by('queue')}) (rate(${k.ctx.sel('rabbitmq_messages_consumed_total')}[5m]))\n> ${num(t)}`,
  summary: (k) => `${k.who}: consumer of queue ${k.lbl('queue')} fails messages`,
  description: (k, t) =>
    `More than ${pct(t)} of the messages of queue ${k.lbl('queue')} end in error, nack or reject.`,
  runbook: (k) => ({
    meaning: 'The consumer settles too many messages with error, nack or reject.',
    queries: [
      {
        title: 'Outcomes',
        expr: `sum by (${k.ctx.l('queue')}, ${k.ctx.l('outcome')}) (rate(${k.ctx.sel('rabbitmq_messages_consumed_total')}[5m]))`,
      },
    ],
    causes: ['Poison messages (a new producer format).', 'A dependency of the handler is down.'],
    actions: ['Inspect the dead-letter queue; fix or skip poison messages; check dependencies.'],
  }),
  fire: (k) => [
    {
      name: '10 % errors',
      series: [
        series(
          k.ctx,
          'rabbitmq_messages_consumed_total',
          { queue: 'bi_batch_jobs', outcome: 'error' },
          k.counter(10),
        ),
        series(
          k.ctx,
          'rabbitmq_messages_consumed_total',
          { queue: 'bi_batch_jobs', outcome: 'ack' },
          k.counter(90),
        ),
      ],
      labels: { ...k.scope, [k.ctx.l('queue')]: 'bi_batch_jobs' },
    },
  ],
  silent: (k) => [
    {
      name: '1 % errors',
      series: [
        series(
          k.ctx,
          'rabbitmq_messages_consumed_total',
          { queue: 'bi_batch_jobs', outcome: 'error' },
          k.counter(1),
        ),
        series(
          k.ctx,
          'rabbitmq_messages_consumed_total',
          { queue: 'bi_batch_jobs', outcome: 'ack' },
          k.counter(99),
        ),
      ],
    },
  ],
};

/** ConsumerStalled. */
export const consumerStalled: AlertRow = {
  name: 'ConsumerStalled',
  group: 'glassbox-consumer',
  needs: 'consumer',
  metric: 'rabbitmq_messages_in_flight',
  expr: (k) =>
    `sum by (${k.ctx.by('queue')}) (${k.ctx.sel('rabbitmq_messages_in_flight')}) > 0\n` +
    `unless\nsum by (${k.ctx.by('queue')}) (rate(${k.ctx.sel('rabbitmq_messages_consumed_total')}[10m])) > 0`,
  summary: (k) => `${k.who}: consumer of queue ${k.lbl('queue')} is stalled`,
  description: (k) => `Queue ${k.lbl('queue')} has messages in flight but none was settled for 10 minutes.`,
  runbook: (k) => ({
    meaning: 'Messages were delivered to the consumer but none completes: the handler hangs.',
    queries: [
      {
        title: 'In flight',
        expr: `sum by (${k.ctx.l('queue')}) (${k.ctx.sel('rabbitmq_messages_in_flight')})`,
      },
      {
        title: 'Completions',
        expr: `sum by (${k.ctx.l('queue')}) (rate(${k.ctx.sel('rabbitmq_messages_consumed_total')}[10m]))`,
      },
    ],
    causes: ['A handler awaiting a dependency without a timeout.', 'A deadlock or an event-loop block.'],
    actions: ['Take a heap/CPU profile or restart the consumer; add timeouts to the handler.'],
  }),
  fire: (k) => [
    {
      name: '3 in flight, nothing completes',
      series: [
        series(k.ctx, 'rabbitmq_messages_in_flight', { queue: 'bi_batch_jobs' }, '3x90'),
        series(k.ctx, 'rabbitmq_messages_consumed_total', { queue: 'bi_batch_jobs', outcome: 'ack' }, '0x90'),
      ],
      labels: { ...k.scope, [k.ctx.l('queue')]: 'bi_batch_jobs' },
    },
  ],
  silent: (k) => [
    {
      name: '3 in flight, 60 completions a minute',
      series: [
        series(k.ctx, 'rabbitmq_messages_in_flight', { queue: 'bi_batch_jobs' }, '3x90'),
        series(
          k.ctx,
          'rabbitmq_messages_consumed_total',
          { queue: 'bi_batch_jobs', outcome: 'ack' },
          k.counter(60),
        ),
      ],
    },
  ],
};

/** LLMCostOverBudget. */
export const llmCostOverBudget: AlertRow = {
  name: 'LLMCostOverBudget',
  group: 'glassbox-llm',
  needs: 'llm',
  metric: 'llm_generation_cost_dollars_total',
  expr: (k, t) =>
    `sum by (${k.ctx.by()}) (rate(${k.ctx.sel('llm_generation_cost_dollars_total')}[1h])) * 3600\n> ${num(t)}`,
  summary: (k) => `${k.who}: LLM spend above budget`,
  description: (k, t) => `LLM generation costs of ${k.who} run above $${num(t)} per hour.`,
  runbook: (k, t) => ({
    meaning: `The LLM cost rate over the last hour is above $${num(t)}/hour.`,
    queries: [
      {
        title: 'Cost per hour by provider and model',
        expr: `sum by (${k.ctx.l('provider')}, ${k.model}) (rate(${k.ctx.sel('llm_generation_cost_dollars_total')}[1h])) * 3600`,
      },
      {
        title: 'Tokens by type',
        expr: `sum by (${k.ctx.l('type')}) (rate(${k.ctx.sel('llm_tokens_total')}[1h]))`,
      },
    ],
    causes: [
      'A retry loop or a runaway job.',
      'A switch to a more expensive model.',
      'Prompts grew (more input tokens).',
    ],
    actions: ['Find the provider/model driving the cost; pause the offending jobs.'],
  }),
  fire: (k) => [
    {
      name: '$30 per hour',
      // rate() over 1h divides by the whole window: evaluate once an hour of data exists.
      evalTime: '60m',
      series: [
        series(
          k.ctx,
          'llm_generation_cost_dollars_total',
          { provider: 'openai', model: 'gpt-4o' },
          '0+0.5x90',
        ),
      ],
      labels: k.scope,
    },
  ],
  silent: (k) => [
    {
      name: '$3 per hour',
      evalTime: '60m',
      series: [
        series(
          k.ctx,
          'llm_generation_cost_dollars_total',
          { provider: 'openai', model: 'gpt-4o' },
          '0+0.05x90',
        ),
      ],
    },
  ],
};

/** InstrumentationErrors. */
export const instrumentationErrors: AlertRow = {
  name: 'InstrumentationErrors',
  group: 'glassbox-sdk',
  needs: 'sdk',
  metric: 'glassbox_instrumentation_errors_total',
  expr: (k) => newEvents(k.ctx.by('component'), k.ctx.sel('glassbox_instrumentation_errors_total'), '10m'),
  summary: (k) => `${k.who}: Glassbox dropped recordings in ${k.lbl('component')}`,
  description: (k) =>
    `Glassbox caught and dropped recording errors in component ${k.lbl('component')} (the service kept working; its logs show the first occurrence of each cause).`,
  runbook: (k) => ({
    meaning:
      'Instrumentation caught an error (bad label value, series cap reached, backend failure) and dropped the value instead of failing the host.',
    queries: [
      {
        title: 'Errors by component',
        expr: `sum by (${k.ctx.l('component')}) (increase(${k.ctx.sel('glassbox_instrumentation_errors_total')}[1h]))`,
      },
    ],
    causes: [
      'A label value that is missing or not a string.',
      'A metric hit its series cap (cardinality): new label sets go to the overflow series.',
      'A broken metrics backend.',
    ],
    actions: ['Read the warning Glassbox logged once per cause; fix the call site or raise the series cap.'],
  }),
  fire: (k) => [
    {
      name: 'errors counted',
      series: [series(k.ctx, 'glassbox_instrumentation_errors_total', { component: 'http' }, k.counter(1))],
      labels: { ...k.scope, [k.ctx.l('component')]: 'http' },
    },
  ],
  silent: (k) => [
    {
      name: 'no errors',
      series: [series(k.ctx, 'glassbox_instrumentation_errors_total', { component: 'http' }, '0x90')],
    },
  ],
};
