// The fixture both render tools use: N histogram series (route × method) on core's
// native backend, and `mutate()`, which gives every series a new observation.
import * as core from '@glassbox/core';

export function histogramFixture(n) {
  const native = core.nativeBackend();
  const gb = core.createGlassbox({ backend: native, seriesLimit: n + 10, logger: null });
  const h = gb.histogram(
    core.defineHistogram({
      name: 'x_seconds',
      help: 'h',
      labelNames: ['route', 'method'],
      buckets: core.DEFAULT_LATENCY_BUCKETS,
    }),
  );
  const series = [];
  for (let i = 0; i < n; i++) series.push(h.bindValues([`/route/${i}`, 'GET']));
  const mutate = () => {
    for (const b of series) b.observe(0.01 * ((Math.random() * 100) | 0));
  };
  return { native, mutate };
}
