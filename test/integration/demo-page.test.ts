// The demo's dashboards page (scripts/demo-page/), in a real headless Chromium: the demo
// runs with Prometheus, the page draws the Grafana dashboards that @glassbox/mixin
// generates, every panel gets data, and screenshots are written to test-output/demo/.
// Chromium resolves no host but 127.0.0.1, so the page is proven self-contained.
// Needs `prometheus` and `chromium` (Debian packages); under CI=true a missing one fails.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module without types
import { buildMonitoring } from '../../examples/monitoring/src/mixin.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = join(root, 'test-output', 'demo');

function onPath(...names: string[]): string | undefined {
  for (const name of names)
    for (const dir of (process.env.PATH ?? '').split(delimiter))
      if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}
// biome-ignore lint/suspicious/noUndeclaredEnvVars: optional override for a non-Debian machine
const chromium = process.env.CHROMIUM_PATH ?? onPath('chromium', 'chromium-browser', 'google-chrome');
const prometheus = onPath('prometheus');
const ready = chromium !== undefined && prometheus !== undefined;

/** Runs headless Chromium once with the given mode flags; resolves to its stdout. */
function runChromium(url: string, mode: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'glassbox-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    // Any host but the loopback fails to resolve: a CDN or external font would break the page.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--virtual-time-budget=10000',
    ...mode,
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromium as string, flags, { timeout: 60_000, maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

interface PanelState {
  panel: string;
  type: string;
  state: string;
  points: number;
}
/** The panels of a dumped DOM, with the data attributes the page sets once drawn. */
function panelsOf(dom: string): PanelState[] {
  return [...dom.matchAll(/<section class="panel"[^>]*>/g)].map(([tag]) => {
    const attrs = Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    return {
      panel: (attrs['data-panel'] ?? '').replaceAll('&amp;', '&'),
      type: attrs['data-type'] ?? '',
      state: attrs['data-state'] ?? '',
      points: Number(attrs['data-points'] ?? 0),
    };
  });
}

interface Dashboard {
  uid: string;
  title: string;
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
}

let demo: ChildProcess | undefined;
let demoExit: Promise<number | null> | undefined;
const work = mkdtempSync(join(tmpdir(), 'glassbox-demo-page-'));
afterAll(async () => {
  if (demo && demo.exitCode === null) {
    demo.kill('SIGINT');
    await demoExit;
  }
  rmSync(work, { recursive: true, force: true });
});

async function startDemo(): Promise<{ page: string; stdout: () => string }> {
  const child = spawn(
    process.execPath,
    [join(root, 'scripts/demo.mjs'), '--duration', '150', '--summary-json', join(work, 'summary.json')],
    { cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  demo = child;
  demoExit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const page = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /^Dashboards: (http:\/\/127\.0\.0\.1:\d+\/) /m.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 100);
    void demoExit?.then((code) => {
      clearInterval(timer);
      reject(new Error(`the demo exited (${code}) before printing the page URL:\n${out}`));
    });
  });
  return { page, stdout: () => out };
}

/** Base metric names (no recording rules) that a panel's queries read. */
function metricsOf(panel: Dashboard['panels'][number]): string[] {
  const names = (panel.targets ?? []).flatMap((t) =>
    [...t.expr.matchAll(/([a-zA-Z_][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] ?? ''),
  );
  return [...new Set(names.filter((n) => n !== '' && !n.includes(':')))];
}

describe.skipIf(!ready && !process.env.CI)('the demo dashboards page in headless Chromium', () => {
  it('draws every generated dashboard panel with data from the demo Prometheus, and a screenshot', async () => {
    expect(chromium, 'chromium is not installed (apt-get install chromium)').toBeDefined();
    expect(prometheus, 'prometheus is not installed (apt-get install prometheus)').toBeDefined();
    const { page, stdout } = await startDemo();

    // The page serves exactly the dashboards the mixin generates for the examples.
    const served = (await (await fetch(`${page}api/dashboards`)).json()) as Dashboard[];
    const generated = Object.entries(
      buildMonitoring({
        targets: [{ service: 'x', target: '127.0.0.1:1' }],
        credentialsFile: '/dev/null',
      }) as Record<string, string>,
    )
      .filter(([path]) => path.startsWith('grafana/dashboards/'))
      .map(([, json]) => JSON.parse(json) as Dashboard);
    expect(served.map((d) => d.uid).sort()).toEqual(generated.map((d) => d.uid).sort());
    for (const d of served) expect(d, d.uid).toEqual(generated.find((g) => g.uid === d.uid));
    const res = await fetch(page);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).not.toMatch(/(src|href)="(https?:)?\/\//);
    // The proxy passes two read-only query endpoints, nothing else of Prometheus's API.
    expect((await fetch(`${page}api/v1/status/config`)).status).toBe(404);
    expect((await fetch(`${page}api/query?query=up`, { method: 'POST' })).status).toBe(405);
    expect(await (await fetch(`${page}api/query?query=up`)).json()).toMatchObject({ status: 'success' });
    const expected = served.flatMap((d) => d.panels.filter((p) => p.type !== 'row').map((p) => ({ d, p })));

    // A panel without data is accepted only when a metric it reads is one of these, and
    // Prometheus confirms that no example emits it: the query is right, there is nothing
    // to draw.
    // Every panel must have data: the examples emit every metric the dashboards read (the
    // instrumentation-error panels show 0 until an error is counted).
    const NOT_EMITTED_BY_THE_EXAMPLES: Record<string, string> = {};
    const absentMetrics = async (panel: Dashboard['panels'][number]) => {
      const absent: string[] = [];
      for (const name of metricsOf(panel)) {
        const url = `${page}api/query?query=${encodeURIComponent(`count(${name})`)}`;
        const r = (await (await fetch(url)).json()) as { data: { result: unknown[] } };
        if (r.data.result.length === 0 && name in NOT_EMITTED_BY_THE_EXAMPLES) absent.push(name);
      }
      return absent;
    };
    // Poll until the rates and recording rules have data (for at most 70 s).
    let panels: PanelState[] = [];
    let dom = '';
    let unexplained: string[] = ['not polled yet'];
    const notEmitted: string[] = [];
    const deadline = Date.now() + 70_000;
    for (let attempt = 0; unexplained.length > 0 && Date.now() < deadline; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 5000));
      dom = await runChromium(`${page}#all`, ['--dump-dom']);
      panels = panelsOf(dom);
      if (panels.length !== expected.length) continue;
      unexplained = [];
      notEmitted.length = 0;
      for (const [i, p] of panels.entries()) {
        if (p.state === 'data') continue;
        const absent = await absentMetrics(expected[i]?.p ?? { type: '', title: '' });
        if (absent.length > 0) notEmitted.push(`${p.panel} (${absent.join(', ')})`);
        else unexplained.push(`${p.panel}: ${p.state}`);
      }
    }
    expect(dom).toContain('<body data-ready="true">');
    expect(panels.map((p) => p.panel)).toEqual(expected.map(({ p }) => p.title));
    expect(unexplained, 'panels without data (see NOT_EMITTED_BY_THE_EXAMPLES)').toEqual([]);
    for (const p of panels) if (p.state === 'data') expect(p.points, p.panel).toBeGreaterThan(0);
    console.log(
      `panels with data: ${panels.length - notEmitted.length}/${panels.length}; metric not emitted by the examples: ${notEmitted.join('; ') || 'none'}`,
    );

    // Screenshots a person can look at: the RED overview and the ML dashboard.
    mkdirSync(OUTPUT, { recursive: true });
    for (const [file, uid] of [
      ['page.png', 'glassbox-service-overview'],
      ['ml.png', 'glassbox-ml'],
    ] as const) {
      const path = join(OUTPUT, file);
      rmSync(path, { force: true });
      await runChromium(`${page}#${uid}`, [
        '--window-size=1600,1400',
        '--hide-scrollbars',
        `--screenshot=${path}`,
      ]);
      const png = readFileSync(path);
      expect(png.subarray(1, 4).toString(), file).toBe('PNG');
      expect(png.length, file).toBeGreaterThan(50_000);
    }

    demo?.kill('SIGINT');
    expect(await demoExit, stdout()).toBe(0);
    const summary = JSON.parse(readFileSync(join(work, 'summary.json'), 'utf8')) as {
      ok: boolean;
      page: string;
    };
    expect(summary).toMatchObject({ ok: true, page });
  });
});
