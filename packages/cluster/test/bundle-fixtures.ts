/**
 * Bundles fixture scripts for integration tests that run plain Node processes (a cluster
 * primary and its workers, PM2 instances), which vitest's aliases do not reach. The
 * @glassbox/* packages are bundled from their sources (what the test must check is the
 * current source, and other packages' dist folders may be mid-rebuild); framework and
 * client libraries stay external, resolved from this package's node_modules because the
 * bundles are written under it.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles `test/fixtures/<name>.mjs` for each name; returns the directory of the bundles. */
export async function bundleFixtures(names: readonly string[], dirName: string): Promise<string> {
  const outDir = `${pkgDir}node_modules/.cache/${dirName}`;
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: names.map((f) => `${pkgDir}test/fixtures/${f}.mjs`),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [
      'prom-client',
      'express',
      'fastify',
      'fastify-plugin',
      'reflect-metadata',
      'rxjs',
      '@nestjs/*',
    ],
    logLevel: 'error',
    plugins: [
      {
        name: 'glassbox-source',
        setup(b) {
          b.onResolve({ filter: /^@glassbox\/[a-z]+$/ }, (args) => ({
            path: `${packagesDir}${args.path.slice('@glassbox/'.length)}/src/index.ts`,
          }));
        },
      },
    ],
  });
  return outDir;
}
