// The README's main command: `node scripts/demo.mjs` starts the built examples, drives
// traffic and prints a summary. Needs a build (`pnpm build`); under CI also RabbitMQ and
// a `prometheus` binary (then every service runs and the summary comes from PromQL).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ALL = ['risk-analytics', 'ml-service', 'content-pipeline', 'workflow-orchestrator', 'batch-worker'];

interface Summary {
  demo: 'summary';
  ok: boolean;
  reason: string;
  prometheus: boolean;
  source: 'prometheus' | 'scrape';
  skipped: string[];
  failures: string[];
  processes: { name: string; pid: number; exit: number | string | null }[];
  services: Record<string, { traffic: number; requests: number; consumed: number }>;
  models: Record<string, { predictions: number; psi?: number; detections: number }>;
  batch: { runs: Record<string, number>; triggers: number };
  consumer: Record<string, number>;
  content: { jobs: Record<string, number>; costDollars: number };
}

function runDemo(args: string[], onStdout?: (text: string, child: ChildProcess) => void) {
  const out = mkdtempSync(join(tmpdir(), 'glassbox-demo-test-'));
  const summaryFile = join(out, 'summary.json');
  const child = spawn(
    process.execPath,
    [join(root, 'scripts/demo.mjs'), ...args, '--summary-json', summaryFile],
    { cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    onStdout?.(stdout, child);
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string; summary: Summary }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        try {
          resolve({
            code,
            stdout,
            stderr,
            summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary,
          });
        } catch {
          reject(new Error(`no --summary-json file (exit ${code}):\n${stdout}\n${stderr}`));
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      });
    },
  );
}

/** The service rows of every printed table frame computed by PromQL. */
function promqlFrames(stdout: string): Map<string, string>[] {
  return stdout
    .split(/\n(?=Glassbox demo · )/)
    .filter((frame) => frame.startsWith('Glassbox demo · ') && frame.split('\n')[0]?.includes('PromQL'))
    .map((frame) => new Map(frame.split('\n').map((line) => [line.split(/\s+/)[0] ?? '', line] as const)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const prometheusOnPath = (process.env.PATH ?? '')
  .split(delimiter)
  .some((d) => d && existsSync(join(d, 'prometheus')));

describe('the demo (node scripts/demo.mjs)', () => {
  it('runs --duration 20, exits 0 and shows traffic for every service it started', async () => {
    const { code, stdout, stderr, summary } = await runDemo(['--duration', '20']);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(summary).toMatchObject({ demo: 'summary', ok: true, reason: 'duration', failures: [] });
    if (process.env.CI) {
      // CI has RabbitMQ and Prometheus: every example runs, the summary is PromQL.
      expect(summary.skipped).toEqual([]);
      expect(summary.prometheus).toBe(true);
    }
    expect(summary.source).toBe(summary.prometheus ? 'prometheus' : 'scrape');
    expect(summary.prometheus).toBe(prometheusOnPath);
    const started = ALL.filter((s) => !summary.skipped.includes(s));
    expect(Object.keys(summary.services).sort()).toEqual([...started].sort());
    for (const name of started) expect(summary.services[name]?.traffic, name).toBeGreaterThan(0);
    // Per-domain figures: predictions per model, drift scores, LLM jobs, batch runs.
    for (const model of ['deal-risk', 'win-probability', 'risk-scoring', 'lead-scoring'])
      expect(summary.models[model]?.predictions, model).toBeGreaterThan(0);
    expect(summary.models['lead-scoring']?.psi).toBeGreaterThan(0);
    expect(Object.values(summary.content.jobs).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(summary.content.costDollars).toBeGreaterThan(0);
    if (started.includes('batch-worker')) {
      expect(summary.batch.runs.success).toBeGreaterThan(0);
      expect(summary.services['batch-worker']?.consumed).toBeGreaterThan(0);
    } else
      expect(stdout).toMatch(
        /^RabbitMQ is not reachable at .*: running without workflow-orchestrator and batch-worker/m,
      );
    // Where to look is printed first: every service URL, the token, a curl line to try.
    for (const name of started)
      expect(stdout).toMatch(
        new RegExp(
          `^  ${name} +http://127\\.0\\.0\\.1:\\d+ +metrics http://127\\.0\\.0\\.1:\\d+/metrics$`,
          'm',
        ),
      );
    const token = /^Metrics token: (demo-[0-9a-f]+)$/m.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect(stdout).toContain(`Try: curl -s -H 'Authorization: Bearer ${token}' http://127.0.0.1:`);
    if (summary.prometheus) {
      expect(stdout).toMatch(/^Prometheus: http:\/\/127\.0\.0\.1:\d+\/graph\?g0\.expr=/m);
      // The dashboards page (tested in a browser by demo-page.test.ts).
      expect(stdout).toMatch(/^Dashboards: http:\/\/127\.0\.0\.1:\d+\/ /m);
      // Every PromQL frame (the first one is printed as the table switches to Prometheus)
      // shows traffic for every service: never a frame of zeros while rates warm up.
      const frames = promqlFrames(stdout);
      expect(frames.length).toBeGreaterThan(0);
      for (const frame of frames)
        for (const name of started) {
          const row = frame.get(name) ?? '';
          const [, , , , requests, consumed] = row.trim().split(/\s+/);
          expect(Number(requests) + (Number(consumed) || 0), row).toBeGreaterThan(0);
        }
    }
    // The live table was printed while it ran; the run ends with a sentence, not JSON.
    expect(stdout).toContain('Glassbox demo ·');
    const lastLines = stdout.trim().split('\n').slice(-2);
    expect(lastLines[0]).toMatch(
      /^Demo stopped \(--duration 20 reached\) after \d+ s: \d+ processes started, all stopped cleanly\.$/,
    );
    expect(stdout).not.toMatch(/^\{"demo"/m);
    // And every child process is gone.
    expect(summary.processes.map((p) => p.name)).toEqual(expect.arrayContaining(started));
    for (const p of summary.processes) expect(alive(p.pid), p.name).toBe(false);
  });

  it('stops everything cleanly on SIGINT', async () => {
    let sent = false;
    const { code, summary } = await runDemo(['--no-prometheus'], (stdout, child) => {
      // After the first summary block (printed every 10 s in a log), interrupt it.
      if (!sent && stdout.includes('Glassbox demo ·')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ ok: true, reason: 'SIGINT', failures: [] });
    for (const p of summary.processes) {
      expect(alive(p.pid), p.name).toBe(false);
      expect(p.exit, p.name).toBe(0);
    }
  });

  it('npm run demo installs and builds quietly first (scripts/demo-setup.mjs): pnpm output goes to a log', () => {
    const run = spawnSync(process.execPath, [join(root, 'scripts/demo-setup.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
      timeout: 300_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stderr).toBe('');
    // Two status lines and where the log is: nothing of pnpm's or turbo's own output.
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^Installing dependencies \(pnpm install --frozen-lockfile\) … done in \d+ s\.$/),
      expect.stringMatching(/^Building the packages and the examples \(pnpm build\) … done in \d+ s\.$/),
      `(pnpm's output: ${join(root, '.cache', 'demo-setup.log')})`,
    ]);
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.demo).toBe('node scripts/demo-setup.mjs && node scripts/demo.mjs');
    const log = readFileSync(join(root, '.cache', 'demo-setup.log'), 'utf8');
    expect(log).toContain('$ pnpm install --frozen-lockfile\n');
    expect(log).toMatch(/Tasks: +\d+ successful/);
  });
});
