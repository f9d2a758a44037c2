import { describe, expect, it } from 'vitest';
import { compileLabels, pathExcluder, validateStatusCode } from '../src/index.js';

describe('shared adapter options', () => {
  it('excludes exact paths (query ignored) and RegExps', () => {
    const excluded = pathExcluder(['/health', /^\/internal\//]);
    expect(excluded?.('/health')).toBe(true);
    expect(excluded?.('/health?probe=1')).toBe(true);
    expect(excluded?.('/healthz')).toBe(false);
    expect(excluded?.('/internal/x')).toBe(true);
    expect(pathExcluder([])).toBeUndefined();
    expect(() => pathExcluder(['health'])).toThrow(/must start with/);
  });

  it('bounds custom label values and survives a throwing hook', () => {
    const errors: unknown[] = [];
    const labels = compileLabels<{ h: string }, unknown>([
      { name: 'tenant', values: ['acme', 'globex'], value: (req) => req.h },
      {
        name: 'tier',
        values: ['gold'],
        fallback: 'none',
        value: () => {
          throw new Error('hook');
        },
      },
    ]);
    expect(labels?.names).toEqual(['tenant', 'tier']);
    expect(labels?.values({ h: 'acme' }, undefined, (e) => errors.push(e))).toEqual(['acme', 'none']);
    expect(labels?.values({ h: 'random-1234' }, undefined, (e) => errors.push(e))).toEqual(['other', 'none']);
    expect(errors.length).toBe(2);
    expect(() => compileLabels([{ name: 'x', values: [], value: () => 'a' }])).toThrow(/non-empty list/);
  });

  it('validates status codes', () => {
    expect(validateStatusCode('abortedStatusCode', 499)).toBe(499);
    expect(() => validateStatusCode('abortedStatusCode', 42)).toThrow(/100..999/);
  });
});
