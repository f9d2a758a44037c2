#!/usr/bin/env node
// `npm run demo`, step 1: install and build, quietly. pnpm's own output is kept in
// .cache/demo-setup.log and printed only when a step fails, because on a first install
// it contains two warnings that look like errors and are not:
//  - "Failed to create bin at …/node_modules/.bin/glassbox … ENOENT": the mixin's CLI is
//    linked before it is built (dist/ does not exist yet); the build step creates it.
//  - the "Ignored build scripts: @nestjs/core, @sematext/gc-stats" box: pnpm 10 does not
//    run dependencies' install scripts unless approved; neither is needed here.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PNPM = fileURLToPath(new URL('pnpm.mjs', import.meta.url));
const LOG = `${ROOT}.cache/demo-setup.log`;

const STEPS = [
  ['Installing dependencies (pnpm install --frozen-lockfile)', ['install', '--frozen-lockfile']],
  ['Building the packages and the examples (pnpm build)', ['run', 'build']],
];

function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PNPM, ...argv], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    child.once('error', (error) => resolve({ code: 1, output: `${output}\n${error.message}` }));
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

mkdirSync(`${ROOT}.cache`, { recursive: true });
writeFileSync(LOG, '');
for (const [label, argv] of STEPS) {
  process.stdout.write(`${label} … `);
  const t0 = Date.now();
  const { code, output } = await run(argv);
  appendFileSync(LOG, `$ pnpm ${argv.join(' ')}\n${output}\n`);
  if (code !== 0) {
    console.log('failed.');
    console.error(output.trim());
    console.error(
      `\n\`pnpm ${argv.join(' ')}\` exited ${code} (full log: ${LOG}). ` +
        'The "Failed to create bin … ENOENT" and "Ignored build scripts" warnings above are expected on a first install; the error is elsewhere.',
    );
    process.exit(code);
  }
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
}
console.log(`(pnpm's output: ${LOG})\n`);
