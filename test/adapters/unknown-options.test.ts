/**
 * Issue 16.2: unknown option keys were ignored in JavaScript (`metricsRote`,
 * `excludePath`), leaving a feature silently off. Every adapter now refuses them at
 * start-up with the nearest valid key, and a wrong type is a TypeError.
 */
import { describe, expect, it } from 'vitest';
import { glassbox as expressGlassbox } from '../../packages/express/src/index.js';
import { resolveGlassboxOptions } from '../../packages/nest/src/index.js';

describe('16.2: adapters refuse unknown option keys at start-up', () => {
  it('Express', () => {
    expect(() => expressGlassbox({ metricsRote: true, defaultMetrics: false } as never)).toThrow(
      /unknown option "metricsRote" \(did you mean "metricsRoute"\?\)/,
    );
    expect(() => expressGlassbox({ excludePath: ['/x'], defaultMetrics: false } as never)).toThrow(
      /unknown option "excludePath" \(did you mean "excludePaths"\?\)/,
    );
    expect(() =>
      expressGlassbox({ defaultMetrics: false, metrics: { auth: { token: 'x' } } } as never),
    ).toThrow(/unknown option "auth.token" \(did you mean "auth.tokens"\?\)/);
  });

  it('Nest', () => {
    expect(() => resolveGlassboxOptions({ defaultMetrics: false, metricsPath: '/m' } as never)).toThrow(
      /unknown option "metricsPath"/,
    );
    expect(() =>
      resolveGlassboxOptions({ defaultMetrics: false, http: { excludePath: [] } } as never),
    ).toThrow(/unknown option "http.excludePath" \(did you mean "http.excludePaths"\?\)/);
    expect(() =>
      resolveGlassboxOptions({ defaultMetrics: false, metrics: { gzipp: true } } as never),
    ).toThrow(/unknown option "gzipp" \(did you mean "gzip"\?\)/);
  });
});
