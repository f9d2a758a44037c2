import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { nestMajorProjects } from './test/adapters/nest-majors.js';

// In-repo tests import @glassbox/* from source, so a package's tests never depend on
// another package's build (the packed tarballs are tested separately, as a newcomer
// installs them).
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const alias = [
  { find: /^@glassbox\/core\/stats$/, replacement: `${packagesDir}core/src/stats/index.ts` },
  ...readdirSync(packagesDir)
    .filter((dir) => existsSync(`${packagesDir}${dir}/src/index.ts`))
    .flatMap((dir) => [
      { find: new RegExp(`^@glassbox/${dir}$`), replacement: `${packagesDir}${dir}/src/index.ts` },
      // other subpath exports (`@glassbox/core/testing`, ...): src/<subpath>.ts
      { find: new RegExp(`^@glassbox/${dir}/([a-z-]+)$`), replacement: `${packagesDir}${dir}/src/$1.ts` },
    ]),
];

// Two projects: `unit` (no external servers; runs on Node 20, 22 and 24 in CI) and
// `integration` (real RabbitMQ, real Prometheus/promtool, clusters, example services).
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/repo/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          // The files of one worker share its module graph: importing the packages and
          // frameworks once per worker, not once per file, is most of the unit suite's
          // time. The packages keep no module-level state (registries, meters and loggers
          // are passed in), and the files that set process.env or OTel globals restore them.
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.int.test.ts',
            'examples/*/test/**/*.test.ts',
            'test/integration/**/*.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      // The Nest package's unit tests and the shared adapter suite on Nest 10 and 11.
      ...nestMajorProjects(alias),
    ],
  },
});
