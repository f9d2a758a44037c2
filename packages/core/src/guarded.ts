/**
 * The guarded recording path behind a Glassbox instance: label checks, the series cap
 * and its overflow series, the label value length limit, value checks, and the
 * count-and-warn-once error recorder. Internal: `createGlassbox` is the public door.
 */
import type {
  BackendCounterSeries,
  BackendGaugeSeries,
  BackendHistogramSeries,
  BackendMetric,
} from './backend.js';
import type { BoundCounter, BoundGauge, BoundHistogram, Counter, Labels, LabelValue } from './glassbox.js';
import type { Logger } from './logger.js';
import type { ResolvedDefinition } from './naming.js';
import { isValidTraceContext, type TraceContext } from './trace-context.js';

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'unknown error';
}

/**
 * Distinct causes warned once per instance. Past it, new causes are still counted in
 * `glassbox_instrumentation_errors_total` but no longer logged (one line says so), so
 * `reportError()` with ever-new strings cannot grow memory.
 */
export const WARN_ONCE_LIMIT = 1000;
/** Characters of a component or cause kept in a warn-once key. */
const KEY_PART_LIMIT = 512;

/** The first `n` characters of `s` as a string of their own: a V8 slice would keep all of `s` alive. */
export function head(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n).split('').join('');
}

/** Counts and warns once: `glassbox_instrumentation_errors_total{component}`. Every structure is bounded. */
export class Recorder {
  readonly warned = new Set<string>();
  errors: Counter<'component'> | undefined;
  readonly errorSeries = new Map<string, BoundCounter>();
  reporting = false;
  constructor(
    readonly logger: Logger,
    /** Bound of {@link errorSeries}: the series cap of the errors metric. */
    readonly errorSeriesLimit: number,
    /** Longest component cached in {@link errorSeries} (longer ones are truncated in the label anyway). */
    readonly maxLabelValueLength: number,
  ) {}

  report(component: string, cause: string, error?: unknown): void {
    try {
      this.warnOnce(String(component), String(cause), error);
    } catch {
      // A broken logger must not reach the host.
    }
    if (this.reporting || this.errors === undefined) return;
    this.reporting = true;
    try {
      let series = this.errorSeries.get(component);
      if (series === undefined) {
        series = this.errors.bindValues([component]);
        if (
          this.errorSeries.size < this.errorSeriesLimit &&
          typeof component === 'string' &&
          component.length <= this.maxLabelValueLength
        )
          this.errorSeries.set(component, series);
      }
      series.inc(1);
    } catch {
      // A broken backend must not reach the host.
    } finally {
      this.reporting = false;
    }
  }

  private warnOnce(component: string, cause: string, error: unknown): void {
    const key = `${head(component, KEY_PART_LIMIT)}\u0000${head(cause, KEY_PART_LIMIT)}`;
    if (this.warned.has(key)) return;
    if (this.warned.size >= WARN_ONCE_LIMIT) {
      if (this.warned.size === WARN_ONCE_LIMIT) {
        this.warned.add('\u0000limit');
        this.logger.warn(
          `more than ${WARN_ONCE_LIMIT} distinct instrumentation problems; new ones are counted in glassbox_instrumentation_errors_total but no longer logged`,
        );
      }
      return;
    }
    this.warned.add(key);
    const detail = error === undefined ? '' : ` (${describe(error)})`;
    this.logger.warn(
      `${component}: ${cause}${detail}; counted in glassbox_instrumentation_errors_total, further occurrences not logged`,
    );
  }
}

export class GuardedMetric<L extends string> {
  readonly limit: number;
  readonly series = new Map<string, unknown>();
  overflow: unknown;
  readonly component: string;
  constructor(
    readonly resolved: ResolvedDefinition,
    readonly backend: BackendMetric<unknown>,
    readonly recorder: Recorder,
    readonly overflowValue: string,
    limit: number,
    readonly maxLength: number,
    readonly makeBound: (s: unknown, m: GuardedMetric<L>) => unknown,
    /** Keep the trace context given with an observation as its bucket's exemplar. */
    readonly exemplars: boolean,
  ) {
    this.limit = limit;
    this.component = resolved.definition.group;
  }

  fail(cause: string, error?: unknown): void {
    this.recorder.report(this.component, `${this.resolved.name}: ${cause}`, error);
  }

  valuesFromLabels(labels: Labels<L> | undefined): string[] | undefined {
    const names = this.resolved.definition.labelNames as readonly L[];
    const n = names.length;
    const out = new Array<string>(n + this.resolved.constLabelValues.length);
    if (n > 0 && (labels === undefined || labels === null || typeof labels !== 'object')) {
      this.fail('missing labels');
      return undefined;
    }
    let given = 0;
    for (let i = 0; i < n; i++) {
      const raw = (labels as Record<string, unknown>)[names[i] as string];
      const v = this.coerce(raw, names[i] as string);
      if (v === undefined) return undefined;
      out[i] = v;
      if (raw !== undefined) given++;
    }
    if (labels !== undefined && labels !== null) {
      let count = 0;
      for (const _ in labels) count++;
      if (count !== given) {
        this.fail('unknown label names');
        return undefined;
      }
    }
    this.appendConst(out, n);
    return out;
  }

  valuesFromArray(values: readonly LabelValue[]): string[] | undefined {
    const names = this.resolved.definition.labelNames;
    const n = names.length;
    if (!Array.isArray(values) || values.length !== n) {
      this.fail(`expected ${n} label values`);
      return undefined;
    }
    const out = new Array<string>(n + this.resolved.constLabelValues.length);
    for (let i = 0; i < n; i++) {
      const v = this.coerce(values[i], names[i] as string);
      if (v === undefined) return undefined;
      out[i] = v;
    }
    this.appendConst(out, n);
    return out;
  }

  appendConst(out: string[], n: number): void {
    const c = this.resolved.constLabelValues;
    for (let i = 0; i < c.length; i++) out[n + i] = c[i] as string;
  }

  coerce(raw: unknown, label: string): string | undefined {
    if (typeof raw === 'string') return raw.length <= this.maxLength ? raw : this.truncate(raw, label);
    if (typeof raw === 'number') {
      if (Number.isFinite(raw)) return String(raw);
      this.fail(`label "${label}" is not a finite number`);
      return undefined;
    }
    if (typeof raw === 'boolean') return raw ? 'true' : 'false';
    this.fail(
      raw === undefined || raw === null ? `label "${label}" is missing` : `label "${label}" is not a string`,
    );
    return undefined;
  }

  truncate(value: string, label: string): string {
    this.fail(`label "${label}" value longer than ${this.maxLength} characters; truncated`);
    let end = this.maxLength;
    const last = value.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
    return head(value, end);
  }

  bindValuesInternal(values: string[] | undefined): unknown {
    if (values === undefined) return undefined;
    const n = this.resolved.variableLabelCount;
    let key = '';
    for (let i = 0; i < n; i++) key += i === 0 ? values[i] : `\u0001${values[i]}`;
    const existing = this.series.get(key);
    if (existing !== undefined) return existing;
    if (this.series.size >= this.limit) return this.overflowSeries();
    try {
      const bound = this.makeBound(this.backend.series(values), this);
      this.series.set(key, bound);
      return bound;
    } catch (error) {
      this.fail('the backend refused a new series', error);
      return undefined;
    }
  }

  overflowSeries(): unknown {
    if (this.overflow !== undefined) return this.overflow;
    const n = this.resolved.variableLabelCount;
    const values = new Array<string>(n).fill(this.overflowValue);
    this.appendConst(values, n);
    try {
      this.overflow = this.makeBound(this.backend.series(values), this);
      this.recorder.report(
        'cardinality',
        `${this.resolved.name}: series limit ${this.limit} reached; new label sets go to the ${this.overflowValue} series`,
      );
      return this.overflow;
    } catch (error) {
      this.fail('the backend refused the overflow series', error);
      return undefined;
    }
  }

  remove(values: string[] | undefined): void {
    if (values === undefined) return;
    const n = this.resolved.variableLabelCount;
    let key = '';
    for (let i = 0; i < n; i++) key += i === 0 ? values[i] : `\u0001${values[i]}`;
    if (!this.series.delete(key)) return;
    try {
      this.backend.remove(values);
    } catch (error) {
      this.fail('the backend failed to remove a series', error);
    }
  }

  count(): number {
    return this.series.size + (this.overflow === undefined ? 0 : 1);
  }
}

export class BoundCounterImpl implements BoundCounter {
  constructor(
    private readonly s: BackendCounterSeries,
    private readonly m: GuardedMetric<string>,
  ) {}
  inc(value = 1): void {
    if (typeof value !== 'number') {
      this.m.fail('non-numeric increment');
      return;
    }
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
      this.m.fail('negative, NaN or infinite increment');
      return;
    }
    try {
      this.s.inc(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
}

export class BoundGaugeImpl implements BoundGauge {
  constructor(
    private readonly s: BackendGaugeSeries,
    private readonly m: GuardedMetric<string>,
  ) {}
  set(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.m.fail('NaN, infinite or non-numeric gauge value');
      return;
    }
    try {
      this.s.set(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
  inc(value = 1): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.m.fail('NaN, infinite or non-numeric gauge value');
      return;
    }
    try {
      this.s.inc(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
  dec(value = 1): void {
    this.inc(typeof value === 'number' ? -value : value);
  }
}

export class BoundHistogramImpl implements BoundHistogram {
  constructor(
    private readonly s: BackendHistogramSeries,
    private readonly m: GuardedMetric<string>,
  ) {}
  observe(value: number, trace?: TraceContext): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.m.fail('NaN, infinite or non-numeric observation');
      return;
    }
    try {
      if (trace === undefined || !this.m.exemplars) this.s.observe(value);
      else this.observeTraced(value, trace);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }

  private observeTraced(value: number, trace: TraceContext): void {
    const s = this.s;
    if (s.observeWithExemplar === undefined) s.observe(value);
    else if (isValidTraceContext(trace)) s.observeWithExemplar(value, trace);
    else {
      // An invalid exemplar would fail the whole scrape: the observation is kept, the exemplar dropped.
      this.m.fail('invalid trace context (trace id: 32, span id: 16 lowercase hex digits); exemplar dropped');
      s.observe(value);
    }
  }
}

/** Dropped: the record was invalid; every method is a no-op. */
export const NOOP_BOUND: BoundCounter & BoundGauge & BoundHistogram = Object.freeze({
  inc() {},
  set() {},
  dec() {},
  observe() {},
});
