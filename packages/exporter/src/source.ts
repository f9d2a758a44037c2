/** Where the exporter gets its text from. */
import type { PromRegistryLike } from '@glassbox/core';
import { type PromMetricJson, renderOpenMetrics } from './openmetrics.js';

/** The two exposition formats. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Content types, with their versions. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = Object.freeze({
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
});

/**
 * A source of exposition text. `collect` returns the text in the asked format (the
 * OpenMetrics text without its final `# EOF`, which the exporter adds once), or throws.
 */
export interface MetricsSource {
  /** Formats this source can render. */
  readonly formats: readonly ExpositionFormat[];
  collect(format: ExpositionFormat): Promise<string> | string;
  /**
   * The same text as consecutive chunks, when the source can produce it that way: the
   * exporter then streams a large body chunk by chunk instead of joining it, so a big
   * scrape never blocks the event loop for long. Optional.
   */
  collectChunks?(format: ExpositionFormat): Promise<readonly string[]> | readonly string[];
}

/**
 * A source over a prom-client (or `@prometheus-io/client`) registry. Prometheus text
 * comes from `registry.metrics()`; OpenMetrics is rendered from
 * `registry.getMetricsAsJSON()`, so one registry serves both formats unchanged.
 */
export function promClientSource(registry: PromRegistryLike): MetricsSource {
  if (registry === null || typeof registry !== 'object' || typeof registry.metrics !== 'function')
    throw new TypeError('Glassbox exporter: expected a prom-client Registry');
  const json = (registry as { getMetricsAsJSON?: () => Promise<PromMetricJson[]> }).getMetricsAsJSON;
  const isOpenMetrics = String(registry.contentType).startsWith('application/openmetrics-text');
  if (isOpenMetrics)
    throw new TypeError(
      'Glassbox exporter: pass a registry with the default (Prometheus text) content type; OpenMetrics is negotiated per request',
    );
  return {
    formats: typeof json === 'function' ? ['prometheus', 'openmetrics'] : ['prometheus'],
    async collect(format) {
      if (format === 'openmetrics' && typeof json === 'function')
        return renderOpenMetrics(await json.call(registry));
      return registry.metrics();
    },
  };
}
