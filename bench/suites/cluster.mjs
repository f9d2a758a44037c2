// Cluster: runs @glassbox/cluster's own aggregation benchmark when the package has one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir, serverNode } from '../lib/proc.mjs';

export async function run(opts, report) {
  const file = join(repoDir, 'packages/cluster/bench/aggregate.mjs');
  if (!existsSync(file)) {
    report.section('Cluster', 'Not measured: packages/cluster/bench/aggregate.mjs does not exist.');
    return undefined;
  }
  const t0 = performance.now();
  const { code, out } = await new Promise((resolve) => {
    const child = spawn(serverNode(), [file], {
      cwd: repoDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(opts.quick ? { BENCH_RUNS: '3' } : {}) },
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      text += d;
    });
    child.on('exit', (c) => resolve({ code: c, out: text }));
  });
  const secs = (performance.now() - t0) / 1000;
  report.section(
    'Cluster',
    `Output of \`node packages/cluster/bench/aggregate.mjs\` (the @glassbox/cluster package's own benchmark: 4 workers × 10k series, Glassbox's snapshot/merge/render vs prom-client's \`AggregatorRegistry\`), exit code ${code}, ${secs.toFixed(0)} s${opts.quick ? ', BENCH_RUNS=3' : ''}:\n\n\`\`\`text\n${out.trim()}\n\`\`\``,
  );
  return { code };
}
