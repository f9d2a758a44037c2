/** Where the exporter gets its text from. */
import type { PromRegistryLike } from '@glassbox/core';

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
}

const OPENMETRICS_PROM_CLIENT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

function stripEof(text: string): string {
  const idx = text.lastIndexOf('# EOF');
  return idx >= 0 && text.slice(idx).trim() === '# EOF' ? text.slice(0, idx) : text;
}

/**
 * A source over a prom-client (or `@prometheus-io/client`) registry. OpenMetrics is
 * rendered from a view of the same registry with the OpenMetrics content type, so one
 * registry serves both formats.
 */
export function promClientSource(registry: PromRegistryLike): MetricsSource {
  if (registry === null || typeof registry !== 'object' || typeof registry.metrics !== 'function')
    throw new TypeError('Glassbox exporter: expected a prom-client Registry');
  const isOpenMetrics = (r: PromRegistryLike) => String(r.contentType).startsWith('application/openmetrics-text');
  // A view that shares the registry's metrics but renders the other format.
  const view = (type: string): PromRegistryLike | undefined => {
    const v = Object.create(registry) as PromRegistryLike & { _contentType?: string };
    try {
      Object.defineProperty(v, '_contentType', { value: type, writable: true });
      Object.defineProperty(v, 'contentType', { get: () => type });
    } catch {
      return undefined;
    }
    return v;
  };
  const native: ExpositionFormat = isOpenMetrics(registry) ? 'openmetrics' : 'prometheus';
  const om = native === 'openmetrics' ? registry : view(OPENMETRICS_PROM_CLIENT);
  const text = native === 'prometheus' ? registry : view('text/plain; version=0.0.4; charset=utf-8');
  return {
    formats: om ? ['prometheus', 'openmetrics'] : [native],
    async collect(format) {
      if (format === 'openmetrics') return stripEof(await (om ?? registry).metrics());
      return (text ?? registry).metrics();
    },
  };
}
