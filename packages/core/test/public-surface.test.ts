import { describe, expect, it } from 'vitest';
import * as adapter from '../src/adapter.js';
import * as main from '../src/index.js';
import * as stats from '../src/stats/index.js';
import * as testing from '../src/testing.js';

// issue 15: the main entry keeps what users call; statistics, test helpers and adapter
// building blocks live on their own subpaths.
describe('public surface of @glassbox/core', () => {
  it('keeps internals off the main entry', () => {
    for (const name of [
      'gammaQ',
      'psi',
      'ks2samp',
      'escapeLabelValue',
      'formatSampleValue',
      'inMemoryBackend',
    ])
      expect(main, name).not.toHaveProperty(name);
    for (const name of [
      'compileLabels',
      'matchesPath',
      'parseContentLength',
      'pathExcluder',
      'resolveHttpRecording',
    ])
      expect(main, name).not.toHaveProperty(name);
    for (const name of ['readMetrics', 'readBack']) expect(main, name).not.toHaveProperty(name);
  });

  it('offers them on @glassbox/core/stats, /testing and /adapter', () => {
    expect(typeof stats.gammaQ).toBe('function');
    expect(typeof stats.ks2samp).toBe('function');
    expect(typeof testing.readMetrics).toBe('function');
    expect(typeof adapter.resolveHttpRecording).toBe('function');
    expect(typeof adapter.compileLabels).toBe('function');
  });
});
