/**
 * The assets generated under per-metric overrides and legacy names pass `promtool check
 * rules` and `promtool test rules` (every alert fires on its scenario and stays silent on
 * a healthy one, with the renamed per-metric label and the overridden buckets).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMixin, type MixinConfig, OUTPUT_PATHS, writeMixin } from '../src/index.js';
import { requireBinary, run } from './helpers.js';
import { SEED_001, SEED_002, SEED_004 } from './overrides-fixtures.js';

const promtool = requireBinary('promtool', 'prometheus');

const configs: [string, MixinConfig][] = [
  ['seed 001: outcome → tier on the model metric only', SEED_001],
  ['seed 002: 0.2 s bucket and a 200 ms latency SLO', SEED_002],
  ['seed 004: a legacy team metric and its alert', SEED_004],
];

describe.skipIf(promtool.skip)('promtool on assets generated with naming overrides', () => {
  let root: string;
  const dirs: Record<string, string> = {};
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'glassbox-mixin-overrides-'));
    const token = join(root, 'metrics-token');
    await writeFile(token, 'secret-token\n');
    for (const [name, config] of configs) {
      const dir = join(root, name.replace(/\W+/g, '-'));
      await writeMixin(generateMixin({ ...config, scrape: { credentialsFile: token } }), dir);
      dirs[name] = dir;
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const pt = (args: string[], cwd: string) => run(promtool.path as string, args, cwd);

  it.each(configs)('%s: check rules and test rules pass', async (name) => {
    const dir = dirs[name] as string;
    const rules = await pt(
      ['check', 'rules', OUTPUT_PATHS.alertRules, OUTPUT_PATHS.recordingRules, OUTPUT_PATHS.sloRules],
      dir,
    );
    expect(rules.code, rules.stdout + rules.stderr).toBe(0);
    const tests = await pt(['test', 'rules', OUTPUT_PATHS.ruleTests], dir);
    expect(tests.stdout + tests.stderr).toContain('SUCCESS');
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
  });
});
