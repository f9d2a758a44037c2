import { createLlmInstrument } from '@glassbox/core';
import { describe, expect, it } from 'vitest';
import { setup, ticksUntilSettled } from './helpers.js';

const prices = { 'model-a': { inputPer1k: 0.003, outputPer1k: 0.015 } };

describe('llm instrument', () => {
  it('records duration, tokens by type and cost from the price table', () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'acme', prices });
    llm.record('model-a', 1.5, { inputTokens: 2000, outputTokens: 500 });
    const labels = { provider: 'acme', model: 'model-a' };
    expect(s.backend.distribution('llm_generation_duration_seconds', labels)).toMatchObject({
      count: 1,
      sum: 1.5,
    });
    expect(s.backend.value('llm_tokens_total', { ...labels, type: 'input' })).toBe(2000);
    expect(s.backend.value('llm_tokens_total', { ...labels, type: 'output' })).toBe(500);
    // 2000/1000 · 0.003 + 500/1000 · 0.015 = 0.006 + 0.0075
    expect(s.backend.value('llm_generation_cost_dollars_total', labels)).toBeCloseTo(0.0135, 15);
    expect(llm.cost('model-a', { inputTokens: 1000 })).toBeCloseTo(0.003, 15);
  });

  it('a model without a price records tokens but no cost, and is counted', () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'acme', prices });
    llm.record('model-new', 0.4, { inputTokens: 10, outputTokens: 5 });
    expect(s.backend.value('llm_tokens_total', { model: 'model-new' })).toBe(15);
    expect(s.backend.value('llm_generation_cost_dollars_total', { model: 'model-new' })).toBe(0);
    expect(s.errors('llm')).toBe(1);
    expect(llm.cost('model-new', { inputTokens: 10 })).toBeUndefined();
  });

  it('seed 004: a cost the caller already knows (costUsd) is recorded directly, no price table needed', () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'anthropic' });
    llm.record('claude-3-haiku', 25.3, { costUsd: 0.12 });
    llm.record('claude-3-haiku', 2, { costUsd: 0.03, inputTokens: 100 });
    llm.start('claude-3-haiku').end({ costUsd: 0 });
    const labels = { provider: 'anthropic', model: 'claude-3-haiku' };
    expect(s.backend.value('llm_generation_cost_dollars_total', labels)).toBeCloseTo(0.15, 15);
    expect(s.backend.value('llm_tokens_total', { ...labels, type: 'input' })).toBe(100);
    expect(s.errors('llm')).toBe(0);
    expect(llm.cost('claude-3-haiku', { costUsd: 0.5 })).toBe(0.5);
  });

  it('costUsd wins over the price table', () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'acme', prices });
    llm.record('model-a', 1, { inputTokens: 2000, outputTokens: 500, costUsd: 1.25 });
    expect(s.backend.value('llm_generation_cost_dollars_total', { model: 'model-a' })).toBe(1.25);
  });

  it.each([
    ['negative', -0.1],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['string', '0.12'],
  ])('a %s costUsd records no cost, is counted and never throws', (_, costUsd) => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'acme', prices });
    expect(() => llm.record('model-a', 1, { inputTokens: 10, costUsd: costUsd as number })).not.toThrow();
    expect(s.backend.value('llm_generation_cost_dollars_total', { model: 'model-a' })).toBe(0);
    expect(s.backend.value('llm_tokens_total', { model: 'model-a', type: 'input' })).toBe(10);
    expect(s.errors('llm')).toBe(1);
  });

  it('there are no built-in prices', () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'openai' });
    expect(llm.cost('gpt-4o', { inputTokens: 1000, outputTokens: 1000 })).toBeUndefined();
  });

  it('wrap(): same value / same promise / same error, usage read from the result', async () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'acme', prices });
    const response = { text: 'hi', usage: { prompt_tokens: 100, completion_tokens: 20 } };
    const generate = llm.wrap(async (req: { model: string }) => ({ ...response, model: req.model }), {
      model: ([req]) => req.model,
      usage: (r) => ({ inputTokens: r.usage.prompt_tokens, outputTokens: r.usage.completion_tokens }),
    });
    const out = await generate({ model: 'model-a' });
    expect(out.text).toBe('hi');
    expect(s.backend.value('llm_tokens_total', { model: 'model-a', type: 'input' })).toBe(100);
    expect(s.backend.value('llm_generation_cost_dollars_total', { model: 'model-a' })).toBeCloseTo(
      0.0006,
      15,
    );

    const fixed = Promise.resolve(response);
    expect(llm.wrap(() => fixed, { model: 'model-a' })()).toBe(fixed);
    const sync = llm.wrap(() => response, { model: 'model-a' });
    expect(sync()).toBe(response);

    const err = new Error('rate limited');
    const raw = () => Promise.reject(err);
    const unwrapped = await ticksUntilSettled(raw());
    const p = llm.wrap(raw, { model: 'model-a' })();
    expect(await ticksUntilSettled(p)).toBe(unwrapped);
    await expect(p).rejects.toBe(err);
    const thrower = llm.wrap(
      () => {
        throw err;
      },
      { model: 'model-a' },
    );
    expect(() => thrower()).toThrow(err);
    // failures record nothing: 3 successful generations only
    expect(s.backend.distribution('llm_generation_duration_seconds')?.count).toBe(3);
  });

  it('start()/end(); declared models bound the label', () => {
    const s = setup();
    const llm = createLlmInstrument(s.glassbox, { provider: 'acme', prices, models: ['model-a'] });
    llm.start('model-a').end({ inputTokens: 1, outputTokens: 1 });
    llm.start('surprise').end({ inputTokens: 3 });
    const g = llm.start('model-a');
    g.fail(new Error('x'));
    g.end({ inputTokens: 1000 });
    expect(s.backend.value('llm_tokens_total', { model: 'other', type: 'input' })).toBe(3);
    expect(s.backend.value('llm_tokens_total', { model: 'model-a', type: 'input' })).toBe(1);
    expect(s.errors('llm')).toBe(3); // undeclared model, no price for it, ended twice
  });

  it('rejects a bad price table at start-up', () => {
    const s = setup();
    expect(() =>
      createLlmInstrument(s.glassbox, {
        provider: 'acme',
        prices: { m: { inputPer1k: -1, outputPer1k: 0 } },
      }),
    ).toThrow(/inputPer1k/);
  });
});
