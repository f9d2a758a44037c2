#!/usr/bin/env node
// Release dry run, on a copy of the repository (the working tree is never touched):
// `changeset version` must turn the pending changesets into one shared version and a
// CHANGELOG.md per package, and every package's tarball (npm pack --dry-run) must carry
// its LICENSE, README.md, CHANGELOG.md and the repository/homepage/bugs metadata.
//
//   node scripts/check-release.mjs        (after `pnpm build`)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'glassbox-release-'));
const problems = [];
try {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root }).toString().split('\0').filter(Boolean);
  for (const f of files)
    if (existsSync(join(root, f))) cpSync(join(root, f), join(copy, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const pkgs = readdirSync(join(copy, 'packages')).filter((d) =>
    existsSync(join(copy, 'packages', d, 'package.json')),
  );
  for (const d of pkgs) {
    // the built dist of the working tree, so the tarball check sees what CI built
    if (existsSync(join(root, 'packages', d, 'dist')))
      cpSync(join(root, 'packages', d, 'dist'), join(copy, 'packages', d, 'dist'), { recursive: true });
    const nm = join(root, 'packages', d, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(copy, 'packages', d, 'node_modules'), 'dir');
  }
  const before = Object.fromEntries(
    pkgs.map((d) => [d, JSON.parse(readFileSync(join(copy, 'packages', d, 'package.json'), 'utf8')).version]),
  );
  try {
    execFileSync(join(copy, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: copy, stdio: 'pipe' });
  } catch (error) {
    const out = String(error.stderr ?? error.message)
      .split('\n')
      .slice(0, 12)
      .join('\n');
    throw new Error(`changeset version failed:\n${out}`);
  }
  const versions = new Set();
  for (const d of pkgs) {
    const pkg = JSON.parse(readFileSync(join(copy, 'packages', d, 'package.json'), 'utf8'));
    versions.add(pkg.version);
    const changelog = join(copy, 'packages', d, 'CHANGELOG.md');
    if (!existsSync(changelog)) problems.push(`${pkg.name}: no CHANGELOG.md after changeset version`);
    else if (!readFileSync(changelog, 'utf8').includes(`## ${pkg.version}`))
      problems.push(`${pkg.name}: CHANGELOG.md has no "## ${pkg.version}" section`);
    if (pkg.version === before[d]) problems.push(`${pkg.name}: version not bumped (${pkg.version})`);
    for (const key of ['repository', 'homepage', 'bugs', 'license'])
      if (pkg[key] === undefined) problems.push(`${pkg.name}: package.json has no "${key}"`);
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: join(copy, 'packages', d),
      }).toString(),
    );
    const inTarball = new Set(packed.files.map((f) => f.path));
    for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'])
      if (!inTarball.has(f)) problems.push(`${pkg.name}: ${f} is not in the tarball`);
    if (![...inTarball].some((f) => f.startsWith('dist/')))
      problems.push(`${pkg.name}: no dist/ in the tarball (build first)`);
  }
  if (versions.size !== 1)
    problems.push(`the fixed group did not give one version: ${[...versions].join(', ')}`);
  console.log(
    `changeset version: ${pkgs.length} packages → ${[...versions].join(', ')}; tarballs carry LICENSE, README.md, CHANGELOG.md`,
  );
} finally {
  rmSync(copy, { recursive: true, force: true });
}
if (problems.length > 0) {
  for (const p of problems) console.error(`check-release: ${p}`);
  process.exit(1);
}
