import { describe, expect, it } from 'vitest';
import { validateOptions } from '../src/index.js';
import { describeValue, editDistance, nearestKey } from '../src/options.js';

const SPEC = {
  name: { type: 'string', required: true },
  outcomes: 'array',
  windowSize: 'integer',
  ratio: 'number',
  enabled: 'boolean',
  now: 'function',
  naming: 'object',
  logger: ['object', 'null'],
  mode: { type: 'string', oneOf: ['nack', 'requeue', 'leave'] },
} as const;

describe('validateOptions', () => {
  it('accepts valid options, absent keys and keys set to undefined', () => {
    expect(() => validateOptions('C', { name: 'm' }, SPEC)).not.toThrow();
    expect(() =>
      validateOptions(
        'C',
        {
          name: 'm',
          outcomes: [],
          windowSize: 10,
          ratio: 0.5,
          enabled: false,
          now: Date.now,
          naming: {},
          logger: null,
          mode: 'leave',
        },
        SPEC,
      ),
    ).not.toThrow();
    expect(() => validateOptions('C', { name: 'm', ratio: undefined, logger: console }, SPEC)).not.toThrow();
  });

  it('throws a TypeError for options that are not an object', () => {
    for (const bad of [null, undefined, 'x', 3, [], () => {}])
      expect(() => validateOptions('Glassbox model', bad, SPEC)).toThrow(TypeError);
    expect(() => validateOptions('Glassbox model', null, SPEC)).toThrow(
      'Glassbox model: options must be an object, got null',
    );
    expect(() => validateOptions('Glassbox model', [], SPEC)).toThrow('got an array');
  });

  it('names an unknown key, suggests the nearest valid one and lists them all', () => {
    expect(() => validateOptions('Glassbox model', { name: 'm', outcome: ['a'] }, SPEC)).toThrow(
      'Glassbox model: unknown option "outcome" (did you mean "outcomes"?); valid options: name, outcomes, windowSize, ratio, enabled, now, naming, logger, mode',
    );
    const error = ((): Error | undefined => {
      try {
        validateOptions('C', { name: 'm', windowsize: 5 }, SPEC);
        return undefined;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect(error?.message).toContain('"windowsize" (did you mean "windowSize"?)');
  });

  it('suggests nothing when no key is near, and still lists the valid ones', () => {
    expect(() => validateOptions('C', { name: 'm', zzzzzzzz: 1 }, SPEC)).toThrow(
      /^C: unknown option "zzzzzzzz"; valid options: name, /,
    );
  });

  it('throws a TypeError naming the key, the expected type and what was given', () => {
    expect(() => validateOptions('Glassbox fastify', { name: 'm', enabled: 'yes' }, SPEC)).toThrow(
      new TypeError('Glassbox fastify: option "enabled" must be a boolean, got a string'),
    );
    expect(() => validateOptions('C', { name: 'm', windowSize: 1.5 }, SPEC)).toThrow(
      'option "windowSize" must be an integer, got number 1.5',
    );
    expect(() => validateOptions('C', { name: 'm', logger: 'console' }, SPEC)).toThrow(
      'option "logger" must be an object or null, got a string',
    );
    expect(() => validateOptions('C', { name: 'm', outcomes: { a: 1 } }, SPEC)).toThrow(
      'option "outcomes" must be an array, got an object',
    );
    expect(() => validateOptions('C', { name: 'm', naming: [] }, SPEC)).toThrow(
      'option "naming" must be an object, got an array',
    );
  });

  it('never shows the content of a string of the wrong type (it could be a token)', () => {
    try {
      validateOptions('C', { name: 'm', ratio: 'secret-token-value' }, SPEC);
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
    expect.assertions(1);
  });

  it('checks oneOf and required', () => {
    expect(() => validateOptions('C', { name: 'm', mode: 'drop' }, SPEC)).toThrow(
      new TypeError('C: option "mode" must be one of "nack", "requeue", "leave", got "drop"'),
    );
    expect(() => validateOptions('C', {}, SPEC)).toThrow(new TypeError('C: option "name" is required'));
    expect(() => validateOptions('C', { name: undefined }, SPEC)).toThrow('is required');
  });

  it('names nested keys by their path', () => {
    expect(() =>
      validateOptions(
        'Glassbox model',
        { mni: 0.8 },
        { min: 'number', max: 'number' },
        'qualityBounds.accuracy',
      ),
    ).toThrow(
      'Glassbox model: unknown option "qualityBounds.accuracy.mni" (did you mean "qualityBounds.accuracy.min"?); valid options of qualityBounds.accuracy: min, max',
    );
    expect(() =>
      validateOptions('Glassbox model', null, { min: 'number' }, 'qualityBounds.accuracy'),
    ).toThrow('Glassbox model: qualityBounds.accuracy must be an object, got null');
    expect(() =>
      validateOptions('Glassbox model', { min: '0.8' }, { min: 'number' }, 'qualityBounds.accuracy'),
    ).toThrow('option "qualityBounds.accuracy.min" must be a number, got a string');
  });

  it('ignores inherited and symbol keys', () => {
    const proto = { inherited: true };
    const options = Object.assign(Object.create(proto), { name: 'm', [Symbol('s')]: 1 });
    expect(() => validateOptions('C', options, SPEC)).not.toThrow();
  });
});

describe('nearestKey and editDistance', () => {
  it('computes the Levenshtein distance, case-insensitively', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('windowsize', 'windowSize')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests typos, prefixes and containing names, and nothing far away', () => {
    const keys = ['metricsRoute', 'excludePaths', 'auth', 'outcomes'];
    expect(nearestKey('metricsRote', keys)).toBe('metricsRoute');
    expect(nearestKey('excludePath', keys)).toBe('excludePaths');
    expect(nearestKey('outcome', keys)).toBe('outcomes');
    expect(nearestKey('route', keys)).toBe('metricsRoute');
    expect(nearestKey('token', keys)).toBeUndefined();
    expect(nearestKey('x', [])).toBeUndefined();
  });

  it('describes values briefly', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue('a'.repeat(100), true)).toBe(`"${'a'.repeat(40)}…"`);
    expect(describeValue(Symbol('s'))).toBe('symbol');
    expect(describeValue(10n)).toBe('bigint');
  });
});
