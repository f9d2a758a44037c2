// The registry both cluster benchmarks snapshot: one worker's 4,000 counter, 4,000 gauge
// and 2,000 histogram series (15 buckets each) in the catalog's http label shape, on
// Glassbox's prom-client backend. `seed` varies the values between workers.
import {
  catalog,
  createGlassbox,
  defineCounter,
  defineGauge,
  defineHistogram,
  promClientBackend,
} from '@glassbox/core';
import * as client from 'prom-client';

export const COUNTER_SERIES = 4000;
export const GAUGE_SERIES = 4000;
export const HISTOGRAM_SERIES = 2000;
export function populate(seed) {
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client, registry }),
    seriesLimit: 100_000,
    logger: null,
  });
  const labelNames = ['method', 'route', 'status_code'];
  const requests = glassbox.counter(
    defineCounter({ name: 'bench_requests_total', help: 'Requests.', labelNames }),
  );
  const inFlight = glassbox.gauge(
    defineGauge({ name: 'bench_last_seen_seconds', help: 'Last seen.', labelNames, aggregate: 'max' }),
  );
  const duration = glassbox.histogram(
    defineHistogram({
      name: 'bench_duration_seconds',
      help: 'Duration.',
      labelNames,
      buckets: catalog.http.requestDuration.buckets,
    }),
  );
  const labels = (i) => [['GET', 'POST', 'PUT', 'DELETE'][i % 4], `/route/${Math.floor(i / 4)}`, '200'];
  for (let i = 0; i < COUNTER_SERIES; i++) requests.bindValues(labels(i)).inc(seed + i);
  for (let i = 0; i < GAUGE_SERIES; i++) inFlight.bindValues(labels(i)).set(seed * i);
  for (let i = 0; i < HISTOGRAM_SERIES; i++) {
    const h = duration.bindValues(labels(i));
    for (let k = 0; k < 3; k++) h.observe(((i + k + seed) % 100) / 37);
  }
  return { registry, glassbox };
}
