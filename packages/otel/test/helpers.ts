import { createServer, request as httpRequest, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  catalog,
  catalogDefinitions,
  defineCounter,
  defineGauge,
  type Glassbox,
  type MetricsSource,
} from '@glassbox/core';
import { type ExpositionFormat, renderFamilies } from '@glassbox/exporter';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Bytes on the wire (before gunzip). */
  wireBytes: number;
}

/** One HTTP request over a real socket. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const buf = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf.toString('utf8'),
          wireBytes: raw.length,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts a node:http server on 127.0.0.1, port 0. */
export async function listen(
  handler: RequestListener,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export interface Exposition {
  /** HELP and TYPE per family name (as written in the text). */
  readonly families: Map<string, { help?: string; type?: string }>;
  /** Sample value (as written) by `name{sorted labels}`. */
  readonly samples: Map<string, string>;
  /** Family of each sample name. */
  readonly sampleNames: Set<string>;
  /** Other comment lines (e.g. `# UNIT`, `# EOF`). */
  readonly comments: string[];
}

function parseLabels(text: string, start: number): { labels: Array<[string, string]>; end: number } {
  const labels: Array<[string, string]> = [];
  let i = start;
  while (text[i] !== '}') {
    if (text[i] === ',') i++;
    if (text[i] === '}') break;
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq).trim();
    i = eq + 1;
    if (text[i] !== '"') throw new Error(`bad label value at ${i}: ${text}`);
    i++;
    let value = '';
    while (text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += text[i];
        i++;
      }
      if (i > text.length) throw new Error(`unterminated label value: ${text}`);
    }
    i++;
    labels.push([name, value]);
  }
  return { labels, end: i + 1 };
}

/** Parses Prometheus text 0.0.4 or OpenMetrics text into comparable maps; throws on malformed lines. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, { help?: string; type?: string }>();
  const samples = new Map<string, string>();
  const sampleNames = new Set<string>();
  const comments: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) {
        comments.push(line);
        continue;
      }
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      const f = families.get(name) ?? {};
      if (kind === 'HELP') f.help = rest;
      else f.type = rest;
      families.set(name, f);
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Array<[string, string]> = [];
    let rest: string;
    if (brace >= 0 && brace < space) {
      name = line.slice(0, brace);
      const parsed = parseLabels(line, brace + 1);
      labels = parsed.labels;
      rest = line.slice(parsed.end).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const value = rest.split(' ')[0] as string;
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name in: ${line}`);
    if (!/^([+-]?[0-9.e+-]+|[+-]Inf|NaN)$/.test(value)) throw new Error(`bad value in: ${line}`);
    labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = `${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (samples.has(key)) throw new Error(`duplicate sample ${key}`);
    samples.set(key, value);
    sampleNames.add(name);
  }
  return { families, samples, sampleNames, comments };
}

/** Families (by name) that have at least one sample in the exposition. */
export function familiesWithSamples(e: Exposition): string[] {
  const out: string[] = [];
  for (const [family, { type }] of e.families) {
    const names =
      type === 'histogram'
        ? [`${family}_bucket`, `${family}_sum`, `${family}_count`]
        : type === 'counter'
          ? [family, `${family}_total`]
          : [family];
    if (names.some((n) => e.sampleNames.has(n))) out.push(family);
  }
  return out.sort();
}

/** A team metric with awkward label values (escaping) and a label-less counter and gauge. */
export const teamMetrics = {
  evaluations: defineCounter({
    name: 'risk_evaluations_total',
    help: 'Risk evaluations, by "tier"\\ with a backslash.',
    labelNames: ['tier'],
  }),
  forecasts: defineCounter({ name: 'forecasts_generated_total', help: 'Forecasts generated.' }),
  activeJobs: defineGauge({ name: 'active_jobs', help: 'Jobs running now.' }),
};

/**
 * Records the same deterministic sequence through every definition of the catalog
 * (every group), the team metrics, an instrumentation error and a cardinality
 * overflow. The same calls on two backends must give the same exposition. `part` 1 and
 * 2 are meant to be separated by a scrape, so that part 2's gauge removals hit series
 * the OTel SDK has already collected.
 */
export function recordEverything(glassbox: Glassbox, part: 1 | 2 = 1): void {
  for (const def of catalogDefinitions()) {
    const labelSets = [0, 1, 2].map((i) =>
      Object.fromEntries(def.labelNames.map((l) => [l, `${def.group}-${l}-${i}`])),
    );
    if (def.kind === 'counter') {
      const c = glassbox.counter(def);
      labelSets.forEach((labels, i) => {
        c.inc(labels);
        c.inc(labels, i * 2.5);
        c.inc(labels, part === 1 ? 0.1 : 0.2);
      });
    } else if (def.kind === 'gauge') {
      const g = glassbox.gauge(def);
      if (part === 1) {
        labelSets.forEach((labels, i) => {
          g.set(labels, i * 0.25 + 0.1);
          g.inc(labels, 3);
          g.dec(labels, 1.5);
        });
      } else {
        // A series removed (its subject went away), one removed then set again, one moved.
        g.remove(labelSets[1]);
        g.remove(labelSets[2]);
        g.set(labelSets[2], 7);
        g.dec(labelSets[0], 0.5);
      }
    } else {
      const h = glassbox.histogram(def);
      labelSets.forEach((labels, i) => {
        for (const bound of def.buckets) {
          if (part === 1)
            h.observe(labels, bound); // exactly on the bound: counted in that bucket (le is inclusive)
          else h.observe(labels, bound * 0.5 + i * 0.001);
        }
        h.observe(labels, (def.buckets.at(-1) as number) * 3); // only in +Inf
        h.observe(labels, 0);
      });
    }
  }
  if (part === 1) return;
  const evaluations = glassbox.counter(teamMetrics.evaluations);
  evaluations.inc({ tier: 'high "quoted" \\ back\nslash' }, 2);
  evaluations.inc({ tier: 'ünïcødé ✓' });
  glassbox.counter(teamMetrics.forecasts).inc(undefined, 4);
  const active = glassbox.gauge(teamMetrics.activeJobs);
  active.inc();
  active.inc();
  active.dec();
  // An instrumentation error is counted in glassbox_instrumentation_errors_total.
  glassbox.reportError('parity', 'a caught error');
  // With seriesLimits { ml_drift_checks_total: 5 }: the first two new label sets fit, the rest land
  // in the __overflow__ series.
  const checks = glassbox.counter(catalog.drift.checksTotal);
  for (let i = 0; i < 6; i++) checks.inc({ model: `overflow-${i}` }, i + 1);
}

/** A source's families rendered by the exporter, as /metrics serves them. */
export async function render(source: MetricsSource, format: ExpositionFormat): Promise<string> {
  return renderFamilies(await source.collect(), format);
}
