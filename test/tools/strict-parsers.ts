/**
 * Strict checks of an exposition body, for integration tests: `promtool check metrics`
 * (Debian's `prometheus` package) for the Prometheus text format, and the OpenMetrics
 * parser of the official Python client (Debian's `python3-prometheus-client`) for
 * OpenMetrics. A missing tool throws: these tests fail, never skip.
 */
import { spawnSync } from 'node:child_process';

function which(bin: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();
  return found === '' ? undefined : found;
}

/** promtool's findings for a text-format body ('' when clean). */
export function promtoolFindings(body: string): string {
  const bin = which('promtool');
  if (bin === undefined) throw new Error('promtool is not installed (apt-get install -y prometheus)');
  const r = spawnSync(bin, ['check', 'metrics'], { input: body, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim();
}

const PARSE = `
import sys
from prometheus_client.openmetrics.parser import text_fd_to_metric_families
n = 0
for family in text_fd_to_metric_families(sys.stdin):
    n += 1
print(n)
`;

/**
 * Parses an OpenMetrics body with the Python client's strict parser. Returns the number
 * of families; throws with the parser's message when the body is invalid.
 */
export function parseOpenMetricsStrict(body: string): number {
  // Debian's python3 (the pyenv one on some machines lacks the Debian module)
  const python = ['/usr/bin/python3', 'python3'].find((p) =>
    p.startsWith('/') ? spawnSync(p, ['-c', '1']).status === 0 : which(p),
  );
  if (python === undefined) throw new Error('python3 is not installed');
  const probe = spawnSync(python, ['-c', 'import prometheus_client'], { encoding: 'utf8' });
  if (probe.status !== 0)
    throw new Error(
      'the Python OpenMetrics parser is missing (apt-get install -y python3-prometheus-client)',
    );
  const r = spawnSync(python, ['-c', PARSE], { input: body, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`invalid OpenMetrics: ${r.stderr.trim().split('\n').at(-1)}`);
  return Number(r.stdout.trim());
}
