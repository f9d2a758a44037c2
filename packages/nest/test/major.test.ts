/**
 * The NestJS major the tests run on: the current one (the devDependencies) in the `unit`
 * project, the older ones in the `nest10` / `nest11` projects (test/adapters/nest-majors.ts).
 * Guards the projects themselves: if the aliases stopped applying, every Nest test would
 * silently run on the current major again.
 */
import { createRequire } from 'node:module';
import { describe, expect, inject, it } from 'vitest';
import '../../../test/adapters/nest-majors.js';

const CURRENT_MAJOR = '12';

async function loadedVersion(name: string): Promise<string> {
  const pkg = (await import(`@nestjs/${name}/package.json`, { with: { type: 'json' } })) as {
    default: { version: string };
  };
  return pkg.default.version;
}

describe('NestJS under test', () => {
  const expected = inject('nestMajor') ?? CURRENT_MAJOR;
  it.each(['common', 'core', 'platform-express', 'platform-fastify'])(
    `@nestjs/%s is major ${expected}`,
    async (name) => {
      expect((await loadedVersion(name)).split('.')[0]).toBe(expected);
    },
  );

  it('the current major is the one the package declares in its devDependencies', () => {
    const pkg = createRequire(import.meta.url)('../package.json') as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['@nestjs/core']?.split('.')[0]).toBe(CURRENT_MAJOR);
  });
});
