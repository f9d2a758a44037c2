// The fixture both render tools use: N histogram series (route × method) on core's
// native backend, `mutate()`, which gives every series a new observation, and
// `render()`, the exporter's renderer over the backend's families (as /metrics does).
import * as core from '@glassbox/core';
import { createRenderer } from '@glassbox/exporter';

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
  const renderer = createRenderer();
  const render = async () => (await renderer.render(native.collect(), 'prometheus')).join('');
  return { native, mutate, render };
}
