// Result formatting: Markdown tables (printed to the console as they are and written
// to docs/benchmarks.md).
export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const width = headers.map((_, i) => Math.max(3, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [
    line(cells[0]),
    `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const fmt = {
  pct: (ratio) =>
    Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %` : 'n/a',
  x: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a'),
  ms: (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : 'n/a'),
  num: (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a'),
  int: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a'),
  mb: (bytes) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(2) : 'n/a'),
};

/** A collector the suites write into: sections of Markdown and targets met / not met. */
export function createReport() {
  const sections = [];
  const targets = [];
  return {
    sections,
    targets,
    section(title, body) {
      sections.push({ title, body });
      console.log(`\n## ${title}\n\n${body}\n`);
    },
    target(name, met, detail) {
      targets.push({ name, met, detail });
      console.log(
        `target: ${name}: ${met === undefined ? 'not measured' : met ? 'met' : 'NOT MET'} (${detail})`,
      );
    },
  };
}
