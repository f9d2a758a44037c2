import { describe, expect, it } from 'vitest';
import { compileLabels, matchesPath, pathExcluder, validateStatusCode } from '../src/adapter.js';

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

  it('matches a path exactly, query ignored', () => {
    expect(matchesPath('/metrics', '/metrics')).toBe(true);
    expect(matchesPath('/metrics?x=1', '/metrics')).toBe(true);
    expect(matchesPath('/metricsx', '/metrics')).toBe(false);
    expect(matchesPath('/metrics/', '/metrics')).toBe(false);
    expect(matchesPath('/api/metrics', '/metrics')).toBe(false);
    expect(matchesPath(undefined, '/metrics')).toBe(false);
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
