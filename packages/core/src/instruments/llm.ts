/**
 * LLM generations: latency, tokens by type and cost — either the cost the caller already
 * knows (`costUsd`, e.g. from the provider's bill or response) or computed from a price
 * table the service passes (per 1,000 input / output tokens). No price is built in:
 * prices change and differ by contract, so a model missing from the table (and no
 * `costUsd`) records no cost and is counted in
 * `glassbox_instrumentation_errors_total{component="llm"}`.
 */
import { catalog } from '../catalog.js';
import type { BoundCounter, BoundHistogram, Counter, Glassbox, Histogram } from '../glassbox.js';
import { validateOptions } from '../options.js';
import { checkLabelValue, passThrough, secondsSince, zeroed } from './shared.js';

/** Price of one model, in dollars per 1,000 tokens. */
export interface LlmPrice {
  /** Dollars per 1,000 input (prompt) tokens. */
  readonly inputPer1k: number;
  /** Dollars per 1,000 output (completion) tokens. */
  readonly outputPer1k: number;
}

/** Token usage (and, when known, the cost) of one generation. */
export interface LlmUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /**
   * The cost of this generation in US dollars, when the caller already knows it: added
   * to `llm_generation_cost_dollars_total` as is, and the price table is not consulted
   * (a model needs no price). Must be a finite number ≥ 0; anything else records no cost
   * and is counted in `glassbox_instrumentation_errors_total{component="llm"}`.
   * @default undefined (the cost is computed from the price table)
   */
  readonly costUsd?: number;
}

/** Options of {@link createLlmInstrument}. */
export interface LlmInstrumentOptions {
  /** Provider (the `provider` label): `openai`, `anthropic`, `azure-openai`, ... */
  readonly provider: string;
  /** Prices by model name. A model not listed records tokens and latency but no cost. @default {} */
  readonly prices?: Readonly<Record<string, LlmPrice>>;
  /**
   * Models that may appear in labels; others are recorded as `other` and counted.
   * Empty accepts any model name (the metric's series cap still applies).
   * @default []
   */
  readonly models?: readonly string[];
}

/** Defaults of {@link LlmInstrumentOptions}. */
export const LLM_INSTRUMENT_DEFAULTS = Object.freeze({
  prices: Object.freeze({}),
  models: Object.freeze([] as string[]),
});

/** A generation in progress. */
export interface LlmGeneration {
  /** The generation finished with this usage. */
  end(usage?: LlmUsage): void;
  /** The generation failed: nothing is recorded (failures are the caller's request metrics). */
  fail(error?: unknown): void;
}

// biome-ignore lint/suspicious/noExplicitAny: a wrapped function may take any arguments
type AnyFunction = (...args: any[]) => unknown;

/** How {@link LlmInstrument.wrap} reads the model and usage. */
export interface LlmWrapOptions<F extends AnyFunction> {
  /** The model, fixed or from the call's arguments. */
  readonly model: string | ((args: Parameters<F>) => string);
  /** Usage from the result (after awaiting), e.g. `(r) => ({ inputTokens: r.usage.prompt_tokens, outputTokens: r.usage.completion_tokens })`. @default () => undefined */
  readonly usage?: (result: Awaited<ReturnType<F>>) => LlmUsage | undefined;
}

/** The LLM instrument of one provider. */
export interface LlmInstrument {
  readonly provider: string;
  /** Records a finished generation. Never throws. */
  record(model: string, durationSeconds: number, usage?: LlmUsage): void;
  /** Starts timing a generation. */
  start(model: string): LlmGeneration;
  /** Wraps a generation function; returns, throws and rejects exactly as `fn`. */
  wrap<F extends AnyFunction>(fn: F, options: LlmWrapOptions<F>): F;
  /**
   * Cost in dollars of a usage: its `costUsd` when given (and valid), otherwise under the
   * price table; `undefined` for a model without a price.
   */
  cost(model: string, usage: LlmUsage): number | undefined;
}

function validPrice(model: string, price: unknown): LlmPrice {
  validateOptions(
    'Glassbox llm',
    price,
    { inputPer1k: 'number', outputPer1k: 'number' },
    `prices["${model}"]`,
  );
  const p = price as Partial<LlmPrice> | null;
  for (const key of ['inputPer1k', 'outputPer1k'] as const) {
    const v = p?.[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new TypeError(
        `Glassbox llm: prices["${model}"].${key} must be a finite number ≥ 0 (dollars per 1k tokens)`,
      );
  }
  return p as LlmPrice;
}

function tokens(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** The series of one model. */
interface LlmSeries {
  readonly duration: BoundHistogram;
  readonly cost: BoundCounter;
  readonly input: BoundCounter;
  readonly output: BoundCounter;
}

/** An instrument's shared state: resolved options, its metrics and the series cache. */
interface LlmState {
  readonly glassbox: Glassbox;
  readonly provider: string;
  readonly prices: ReadonlyMap<string, LlmPrice>;
  readonly allowed: ReadonlySet<string>;
  readonly duration: Histogram<'provider' | 'model'>;
  readonly cost: Counter<'provider' | 'model'>;
  readonly tokens: Counter<'provider' | 'model' | 'type'>;
  readonly cache: Map<string, LlmSeries>;
}

/** Validates the price table. */
function validPrices(prices: Readonly<Record<string, LlmPrice>>): Map<string, LlmPrice> {
  const out = new Map<string, LlmPrice>();
  for (const [model, price] of Object.entries(prices)) out.set(model, validPrice(model, price));
  return out;
}

/** The series of `model`, bound on first use (cached up to the series cap). */
function llmSeries(state: LlmState, model: string): LlmSeries {
  let s = state.cache.get(model);
  if (s !== undefined) return s;
  const { provider } = state;
  s = {
    duration: state.duration.bind({ provider, model }),
    cost: state.cost.bind({ provider, model }),
    input: state.tokens.bind({ provider, model, type: 'input' }),
    output: state.tokens.bind({ provider, model, type: 'output' }),
  };
  if (state.cache.size < 10_000 && model.length <= state.glassbox.maxLabelValueLength)
    state.cache.set(model, s);
  return s;
}

/** Shows the declared models' token (and, with a price, cost) series at 0. */
function zeroDeclaredModels(state: LlmState): void {
  const { allowed, prices } = state;
  for (const m of [...allowed, ...(allowed.size > 0 ? ['other'] : [])]) {
    const s = llmSeries(state, m);
    zeroed(s.input);
    zeroed(s.output);
    if (prices.has(m)) zeroed(s.cost);
  }
}

/** The `model` label: `other` (counted) for a missing name or one outside the declared set. */
function modelLabel(state: LlmState, model: unknown): string {
  if (typeof model !== 'string' || model.length === 0) {
    state.glassbox.reportError('llm', 'generation without a model name; recorded as "other"');
    return 'other';
  }
  if (state.allowed.size > 0 && !state.allowed.has(model)) {
    state.glassbox.reportError('llm', 'model outside the declared set; recorded as "other"');
    return 'other';
  }
  return model;
}

/** Cost in dollars of `usage` under the price table; `undefined` without a price. */
function costOf(prices: ReadonlyMap<string, LlmPrice>, model: string, usage: LlmUsage): number | undefined {
  const price = prices.get(model);
  if (price === undefined) return undefined;
  return (
    (tokens(usage.inputTokens) * price.inputPer1k + tokens(usage.outputTokens) * price.outputPer1k) / 1000
  );
}

/** True for a cost the caller may pass directly: a finite number ≥ 0. */
function validCost(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** The caller's cost when given and valid, else the price table's; `undefined` for neither. */
function dollarsOf(
  prices: ReadonlyMap<string, LlmPrice>,
  model: unknown,
  usage: LlmUsage,
): number | undefined {
  if (usage.costUsd !== undefined) return validCost(usage.costUsd) ? usage.costUsd : undefined;
  return typeof model === 'string' ? costOf(prices, model, usage) : undefined;
}

/** Records a finished generation. Never throws. */
function recordGeneration(state: LlmState, model: string, seconds: number, usage?: LlmUsage): void {
  const { glassbox } = state;
  try {
    const label = modelLabel(state, model);
    const s = llmSeries(state, label);
    s.duration.observe(seconds);
    if (usage === undefined || usage === null) return;
    s.input.inc(tokens(usage.inputTokens));
    s.output.inc(tokens(usage.outputTokens));
    const dollars = dollarsOf(state.prices, model, usage);
    if (usage.costUsd !== undefined && dollars === undefined) {
      glassbox.reportError(
        'llm',
        'costUsd is not a finite number ≥ 0; cost not recorded',
        new Error(String(usage.costUsd)),
      );
      return;
    }
    if (dollars === undefined) {
      glassbox.reportError(
        'llm',
        'no price for a model in the price table; cost not recorded',
        new Error(String(model)),
      );
      return;
    }
    s.cost.inc(dollars);
  } catch (error) {
    glassbox.reportError('llm', 'recording a generation failed', error);
  }
}

/** Starts timing a generation of `model`. */
function startGeneration(state: LlmState, model: string): LlmGeneration {
  const { glassbox } = state;
  const t0 = performance.now();
  let done = false;
  return {
    end(usage) {
      if (done) return glassbox.reportError('llm', 'a generation ended twice; ignored');
      done = true;
      recordGeneration(state, model, secondsSince(t0), usage);
    },
    fail() {
      if (done) return glassbox.reportError('llm', 'a generation ended twice; ignored');
      done = true;
    },
  };
}

/** Wraps a generation function; returns, throws and rejects exactly as `fn`. */
function wrapGeneration<F extends AnyFunction>(state: LlmState, fn: F, wrapOptions: LlmWrapOptions<F>): F {
  if (typeof fn !== 'function') throw new TypeError('Glassbox llm: wrap() needs a function');
  validateOptions('Glassbox llm wrap()', wrapOptions, {
    model: { type: ['string', 'function'], required: true },
    usage: 'function',
  });
  const { model, usage } = wrapOptions;
  if (typeof model !== 'string' && typeof model !== 'function')
    throw new TypeError('Glassbox llm: wrap() needs { model } (a string or a function of the arguments)');
  const { glassbox } = state;
  return function (this: unknown, ...args: Parameters<F>) {
    const t0 = performance.now();
    return passThrough(
      glassbox,
      'llm',
      () => fn.apply(this, args),
      (value) => {
        const m = typeof model === 'string' ? model : model(args);
        recordGeneration(
          state,
          m,
          secondsSince(t0),
          usage ? usage(value as Awaited<ReturnType<F>>) : undefined,
        );
      },
      () => {},
    );
  } as F;
}

/**
 * Creates the LLM instrument for one provider.
 *
 * @example
 * ```ts
 * const llm = createLlmInstrument(glassbox, { provider: 'openai', prices: { 'gpt-4o-mini': { inputPer1k: 0.00015, outputPer1k: 0.0006 } } });
 * // A caller that already knows the cost passes it; no price is needed:
 * llm.record('claude-3-haiku', 25.3, { costUsd: 0.12 });
 * const complete = llm.wrap(openai.chat.completions.create.bind(openai.chat.completions), {
 *   model: ([req]) => req.model,
 *   usage: (r) => ({ inputTokens: r.usage?.prompt_tokens, outputTokens: r.usage?.completion_tokens }),
 * });
 * ```
 */
export function createLlmInstrument(glassbox: Glassbox, options: LlmInstrumentOptions): LlmInstrument {
  validateOptions('Glassbox llm', options, { provider: 'string', prices: 'object', models: 'array' });
  const provider = checkLabelValue('provider', options.provider);
  const prices = validPrices(options.prices ?? LLM_INSTRUMENT_DEFAULTS.prices);
  const allowed = new Set(
    (options.models ?? LLM_INSTRUMENT_DEFAULTS.models).map((m) => checkLabelValue('model', m)),
  );
  const state: LlmState = {
    glassbox,
    provider,
    prices,
    allowed,
    duration: glassbox.histogram(catalog.llm.generationDuration),
    cost: glassbox.counter(catalog.llm.costTotal),
    tokens: glassbox.counter(catalog.llm.tokensTotal),
    cache: new Map(),
  };
  zeroDeclaredModels(state);
  return {
    provider,
    record: (model, durationSeconds, usage) => recordGeneration(state, model, durationSeconds, usage),
    cost: (model, usage) => dollarsOf(prices, model, usage),
    start: (model) => startGeneration(state, model),
    wrap: <F extends AnyFunction>(fn: F, wrapOptions: LlmWrapOptions<F>): F =>
      wrapGeneration(state, fn, wrapOptions),
  };
}
