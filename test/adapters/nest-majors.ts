/**
 * Vitest projects that run the Nest package's unit tests and the shared adapter suite on
 * every older NestJS major @glassbox/nest supports (the default projects run on the
 * current major, the package's devDependencies). Each older major comes from a local
 * fixture package (packages/nest/test/nest<major>), so its packages resolve each other;
 * the projects alias the `@nestjs/*` imports of the tests and of the module's source to
 * that fixture's copies, exactly as an application on that major would load them.
 * Each project provides `nestMajor` (`inject('nestMajor')`): the shared suite then runs
 * only its Nest apps.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The older majors under test, each with its fixture package. */
const MAJORS = ['10', '11'] as const;
const NEST_PACKAGES = ['common', 'core', 'platform-express', 'platform-fastify', 'testing'] as const;

interface Alias {
  readonly find: RegExp;
  readonly replacement: string;
}

const nestPackageJson = fileURLToPath(new URL('../../packages/nest/package.json', import.meta.url));

/** The `@nestjs/*` aliases pointing at one fixture's copies of Nest. */
function majorAliases(major: string): Alias[] {
  const fixture = createRequire(nestPackageJson).resolve(`glassbox-nest${major}-fixture/package.json`);
  const fromFixture = createRequire(fixture);
  return NEST_PACKAGES.flatMap((name) => [
    { find: new RegExp(`^@nestjs/${name}$`), replacement: fromFixture.resolve(`@nestjs/${name}`) },
    {
      find: new RegExp(`^@nestjs/${name}/package\\.json$`),
      replacement: fromFixture.resolve(`@nestjs/${name}/package.json`),
    },
  ]);
}

/** One unit project per older Nest major (`nest10`, `nest11`). */
export function nestMajorProjects(alias: readonly Alias[]) {
  return MAJORS.map((major) => {
    const resolveAlias = [...majorAliases(major), ...alias];
    return {
      resolve: { alias: resolveAlias },
      test: {
        name: `nest${major}`,
        include: ['packages/nest/test/**/*.test.ts', 'test/adapters/**/*.test.ts'],
        exclude: ['**/*.int.test.ts', '**/node_modules/**', 'packages/nest/test/types.test.ts'],
        provide: { nestMajor: major },
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    };
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The NestJS major of a `nest<major>` project; undefined in the other projects. */
    nestMajor?: string;
  }
}
