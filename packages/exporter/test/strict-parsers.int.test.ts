/**
 * The whole default exposition through strict parsers: `promtool check metrics` for
 * text 0.0.4, the Python client's OpenMetrics parser for OpenMetrics — on both backends,
 * with awkward label values and negative observations.
 */
import {
  catalogDefinitions,
  createGlassbox,
  defineHistogram,
  type Glassbox,
  type MetricsSource,
  nativeBackend,
  promClientBackend,
  promClientSource,
} from '@glassbox/core';
import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseOpenMetricsStrict, promtoolFindings } from '../../../test/tools/strict-parsers.js';
import { renderFamilies } from '../src/index.js';

function backends(): Array<[string, () => { glassbox: Glassbox; source: MetricsSource }]> {
  return [
    [
      'native',
      () => {
        const backend = nativeBackend();
        return { glassbox: createGlassbox({ backend, logger: null }), source: backend };
      },
    ],
    [
      'prom-client',
      () => {
        const registry = new client.Registry();
        const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
        return { glassbox, source: promClientSource(registry) };
      },
    ],
  ];
}

const render = async (source: MetricsSource, format: 'prometheus' | 'openmetrics') =>
  `${await renderFamilies(await source.collect(), format)}${format === 'openmetrics' ? '# EOF\n' : ''}`;

describe.each(backends())('strict parsers (%s backend)', (_, make) => {
  it('the full catalog, with quotes, backslashes and newlines in label values, passes both', async () => {
    const { glassbox, source } = make();
    for (const def of catalogDefinitions()) {
      for (const v of ['plain', 'q"uote\\back\nline']) {
        const labels = Object.fromEntries(def.labelNames.map((l) => [l, v]));
        if (def.kind === 'counter') glassbox.counter(def).inc(labels);
        else if (def.kind === 'gauge') glassbox.gauge(def).set(labels, 1);
        else glassbox.histogram(def).observe(labels, 0.3);
      }
    }
    expect(promtoolFindings(await render(source, 'prometheus'))).toBe('');
    expect(parseOpenMetricsStrict(await render(source, 'openmetrics'))).toBe(catalogDefinitions().length);
  });

  // issue 16.7: `_sum -3` made strict parsers reject the whole OpenMetrics scrape
  it('16.7: a negative histogram observation keeps the OpenMetrics scrape valid', async () => {
    const { glassbox, source } = make();
    const h = glassbox.histogram(
      defineHistogram({
        name: 'offset_seconds',
        help: 'Clock offset.',
        labelNames: ['host'],
        buckets: [0.1, 1],
      }),
    );
    h.observe({ host: 'a' }, -3);
    h.observe({ host: 'a' }, 0.5);
    h.observe({ host: 'b' }, 0.5);
    const om = await render(source, 'openmetrics');
    expect(() => parseOpenMetricsStrict(om)).not.toThrow();
    // the series with a negative sum keeps its buckets (count on +Inf) and drops _sum/_count
    expect(om).toContain('offset_seconds_bucket{host="a",le="+Inf"} 2\n');
    expect(om).not.toContain('offset_seconds_sum{host="a"}');
    expect(om).toContain('offset_seconds_sum{host="b"} 0.5\n');
    // the text format keeps the sum as recorded
    const text = await render(source, 'prometheus');
    expect(text).toContain('offset_seconds_sum{host="a"} -2.5\n');
  });
});
