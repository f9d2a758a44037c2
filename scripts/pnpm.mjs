#!/usr/bin/env node
// Runs the pnpm version pinned in package.json's `packageManager` through npx, so a
// machine with only Node and npm can work on this repo (corepack's signature check
// fails against some registry mirrors). Usage: node scripts/pnpm.mjs <pnpm args...>
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const pinned = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager ?? '');
if (!pinned) {
  console.error('package.json must pin pnpm as "packageManager": "pnpm@x.y.z"');
  process.exit(1);
}
const args = ['--yes', `pnpm@${pinned[1]}`, ...process.argv.slice(2)];
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const result = spawnSync(npx, args, { stdio: 'inherit', cwd: new URL('.', root).pathname, env });
process.exit(result.status ?? 1);
