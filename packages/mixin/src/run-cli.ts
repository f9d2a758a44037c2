/**
 * `glassbox generate --config <file> --out <dir>`: writes the operations assets.
 * Exit code 0 on success, 1 on a bad config or a failed write, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { generateMixin, writeMixin } from './generate.js';
import { loadConfig } from './load-config.js';

const USAGE = `Usage: glassbox generate [--config <file>] --out <dir>

Writes Prometheus scrape configs, alert/recording/SLO rules and their promtool tests,
Prometheus Operator resources, Grafana dashboards, an Alertmanager example and
runbooks, from the Glassbox catalog and the naming options in the config.

Options:
  -c, --config <file>  JSON, YAML or .mjs (default export) config; defaults apply without one
  -o, --out <dir>      output directory (created when missing)
  -q, --quiet          print nothing on success
  -h, --help           show this help
`;

/** Where the CLI writes (process.stdout / process.stderr by default). */
export interface CliOutput {
  write(text: string): unknown;
}

/** Runs the CLI; returns the exit code (never calls process.exit). */
export async function runCli(
  argv: readonly string[],
  out: CliOutput = process.stdout,
  err: CliOutput = process.stderr,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse(args: string[]) {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        out: { type: 'string', short: 'o' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse([...argv]);
  } catch (error) {
    err.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'generate' || positionals.length > 1) {
    err.write(`Unknown command: ${positionals.join(' ') || '(none)'}\n\n${USAGE}`);
    return 2;
  }
  if (values.out === undefined) {
    err.write(`Missing --out <dir>\n\n${USAGE}`);
    return 2;
  }
  try {
    const config = values.config === undefined ? {} : await loadConfig(values.config);
    const output = generateMixin(config);
    for (const warning of output.warnings) err.write(`${warning}\n`);
    const written = await writeMixin(output, values.out);
    if (values.quiet !== true) out.write(`glassbox: wrote ${written.length} files to ${values.out}\n`);
    return 0;
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 1;
  }
}
