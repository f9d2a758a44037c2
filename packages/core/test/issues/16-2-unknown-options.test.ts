/**
 * Regression, issue 16 finding 2 (core part): unknown option keys were ignored in
 * JavaScript, so a model `outcome:` key (the valid one is `outcomes`) silently recorded
 * every prediction as the default outcome. Every public options object of core is now
 * validated at start-up: an unknown key is an Error naming it, suggesting the nearest
 * valid key and listing them; a wrong type is a TypeError.
 */
import { describe, expect, it } from 'vitest';
import {
  createBatchJob,
  createBatchTriggers,
  createDriftMonitor,
  createGlassbox,
  createLlmInstrument,
  createModelInstrument,
  nativeBackend,
} from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: JavaScript callers, no compile-time checks
type Js = any;

function setup() {
  return createGlassbox({ backend: nativeBackend(), logger: null });
}

describe('issue 16.2: unknown option keys are an Error at start-up', () => {
  it('a model `outcome:` key names it and suggests `outcomes`', () => {
    const options: Js = { name: 'lead-scoring', version: '1', outcome: ['hot', 'warm', 'cold'] };
    expect(() => createModelInstrument(setup(), options)).toThrow(
      /^Glassbox model: unknown option "outcome" \(did you mean "outcomes"\?\); valid options: name, version, outcomes, otherOutcome, defaultOutcome, qualityBounds, errorTypes, classifyError, extraErrorTypes$/,
    );
  });

  it('model quality bounds, wrap, wrapBatch and scoreDrift options are checked too', () => {
    const glassbox = setup();
    const bounds: Js = { accuracy: { minimum: 0.8 } };
    expect(() => createModelInstrument(glassbox, { name: 'm', version: '1', qualityBounds: bounds })).toThrow(
      /unknown option "qualityBounds\.accuracy\.minimum" \(did you mean "qualityBounds\.accuracy\.min"\?\)/,
    );
    const model = createModelInstrument(glassbox, { name: 'm', version: '1' });
    expect(() => model.wrap(() => 1, { scores: () => 1 } as Js)).toThrow(
      /Glassbox model wrap\(\): unknown option "scores" \(did you mean "score"\?\)/,
    );
    expect(() => model.wrapBatch(() => [], { item: () => [] } as Js)).toThrow(/did you mean "items"/);
    expect(() => model.scoreDrift({ windowsize: 100 } as Js)).toThrow(/did you mean "windowSize"/);
    expect(() => model.wrap(() => 1, { outcome: 'tier' } as Js)).toThrow(
      new TypeError('Glassbox model wrap(): option "outcome" must be a function, got a string'),
    );
  });

  it('createGlassbox, batch, triggers and llm options name the unknown key', () => {
    const backend = nativeBackend();
    expect(() => createGlassbox({ backend, serieslimit: 10 } as Js)).toThrow(
      /^Glassbox: unknown option "serieslimit" \(did you mean "seriesLimit"\?\)/,
    );
    expect(() => createGlassbox({ backend, seriesLimit: '10' } as Js)).toThrow(
      new TypeError('Glassbox: option "seriesLimit" must be a number, got a string'),
    );
    const glassbox = setup();
    expect(() => createBatchJob(glassbox, { name: 'j', outcomes: [] } as Js)).toThrow(
      /Glassbox batch: unknown option "outcomes" \(did you mean "itemOutcomes"\?\)/,
    );
    expect(() => createBatchTriggers(glassbox, { job: ['a'] } as Js)).toThrow(/did you mean "jobs"/);
    expect(() => createLlmInstrument(glassbox, { provider: 'p', price: {} } as Js)).toThrow(
      /Glassbox llm: unknown option "price" \(did you mean "prices"\?\)/,
    );
    expect(() =>
      createLlmInstrument(glassbox, { provider: 'p', prices: { m: { input: 1, outputPer1k: 1 } } } as Js),
    ).toThrow(/unknown option "prices\["m"\]\.input" \(did you mean "prices\["m"\]\.inputPer1k"\?\)/);
    const llm = createLlmInstrument(glassbox, { provider: 'p' });
    expect(() => llm.wrap(() => 1, { models: 'gpt' } as Js)).toThrow(/did you mean "model"/);
    expect(() => llm.wrap(() => 1, {} as Js)).toThrow(
      new TypeError('Glassbox llm wrap(): option "model" is required'),
    );
  });
});

describe('16.2: naming options', () => {
  it('an unknown naming key is an Error naming it and the nearest valid key', () => {
    expect(() =>
      createGlassbox({ backend: nativeBackend(), logger: null, naming: { prefx: 'shop_' } as never }),
    ).toThrow(/unknown option "naming.prefx" \(did you mean "naming.prefix"\?\)/);
  });
});

describe('16.2: drift monitor options', () => {
  it('a misspelt window size is an Error naming windowSize', () => {
    const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
    expect(() =>
      createDriftMonitor(glassbox, { model: 'm', reference: {}, windowsize: 10 } as never),
    ).toThrow(/unknown option "windowsize" \(did you mean "windowSize"\?\)/);
  });
});
