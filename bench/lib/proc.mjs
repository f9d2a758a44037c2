// Child-process plumbing: spawn a Node script (optionally pinned to a core with
// taskset), talk to it over IPC with request/response messages.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoDir = dirname(benchDir);

const node24 = join(repoDir, '.cache/node24/node_modules/node/bin/node');

/** The Node binary the servers run on: Node 24 from .cache when present, else this one. */
export function serverNode() {
  return existsSync(node24) ? node24 : process.execPath;
}

export const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
const coreCount = cpus().length;

/**
 * Spawns `node [execArgv] script [args]` with an IPC channel, pinned to `core` when
 * taskset exists. Returns { call(msg) -> Promise<reply>, ready, stop }. A child that
 * exits before it is ready is started again (up to 3 attempts, 8 s apart): other people
 * rebuild the packages' dist folders in this checkout while a run goes on.
 */
export function spawnNode(
  script,
  args = [],
  { core, node = serverNode(), execArgv = [], env = {}, cwd = benchDir } = {},
) {
  const argv = [...execArgv, script, ...args];
  let cmd = node;
  let cmdArgs = argv;
  if (core !== undefined && hasTaskset && coreCount > core) {
    cmd = 'taskset';
    cmdArgs = ['-c', String(core), node, ...argv];
  }
  let seq = 0;
  const pending = new Map();
  let child;
  let exit;

  function launch() {
    const c = spawn(cmd, cmdArgs, {
      cwd,
      env: { ...process.env, NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let readyResolve;
    let readyReject;
    const ready = new Promise((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    const exited = new Promise((resolve) => {
      c.on('exit', (code, signal) => {
        const err = new Error(`${script} ${args.join(' ')} exited (${code ?? signal})`);
        readyReject(err);
        for (const { reject } of pending.values()) reject(err);
        pending.clear();
        resolve({ code, signal });
      });
    });
    c.on('message', (msg) => {
      if (msg && msg.type === 'ready') readyResolve(msg);
      else if (msg && msg.type === 'error' && msg.id === undefined) readyReject(new Error(msg.message));
      else if (msg && msg.id !== undefined && pending.has(msg.id)) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.type === 'error') p.reject(new Error(msg.message));
        else p.resolve(msg);
      }
    });
    child = c;
    exit = exited;
    return ready;
  }

  const ready = (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch();
      } catch (error) {
        if (attempt >= 3) throw error;
        console.warn(
          `${error.message.split('\n')[0]}; starting it again in 8 s (attempt ${attempt + 1} of 3)`,
        );
        await new Promise((r) => setTimeout(r, 8000));
      }
    }
  })();

  function call(msg) {
    const id = ++seq;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });
  }
  async function stop() {
    await ready.catch(() => {});
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(t);
  }
  return {
    get child() {
      return child;
    },
    get exit() {
      return exit;
    },
    call,
    ready,
    stop,
  };
}

/** Helper for child scripts: answer IPC requests with `handlers[msg.cmd](msg)`. */
export function serveIpc(handlers) {
  process.on('message', async (msg) => {
    const h = handlers[msg.cmd];
    try {
      if (h === undefined) throw new Error(`unknown command ${msg.cmd}`);
      const out = await h(msg);
      process.send({ ...out, type: 'reply', id: msg.id });
    } catch (error) {
      process.send({ type: 'error', id: msg.id, message: error?.stack ?? String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
