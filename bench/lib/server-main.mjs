// A benchmark server process: `server-main.mjs <module> <variant>`. Starts the variant,
// counts requests and answers IPC commands: `snap` (CPU time, requests served, heap),
// `gc` (full GC, then heap), `stop`.
import { serveIpc } from './proc.mjs';

const [moduleName, variant] = process.argv.slice(2);
const file = moduleName === 'otel-express' ? '../servers/otel-express.cjs' : `../servers/${moduleName}.mjs`;
const mod = await import(file);
const variants = mod.variants ?? mod.default?.variants;
const listen = mod.listen ?? mod.default?.listen;
const make = variants[variant];
if (make === undefined) throw new Error(`no variant ${variant} in ${moduleName}`);
const app = await make();
const { server, close } = await listen(app);
let requests = 0;
let session;
server.on('request', () => {
  requests++;
});
const { port } = server.address();

function heap() {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

serveIpc({
  snap: () => ({ cpu: process.cpuUsage(), requests, hr: Number(process.hrtime.bigint()) }),
  gc: async () => {
    for (let i = 0; i < 4; i++) {
      globalThis.gc?.();
      await new Promise((r) => setImmediate(r));
    }
    return { heap: heap(), hasGc: typeof globalThis.gc === 'function' };
  },
  // CPU profile of a window (after warm-up), through the inspector protocol.
  profStart: async () => {
    const { Session } = await import('node:inspector/promises');
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    return {};
  },
  profStop: async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return { profile };
  },
  stop: async () => {
    await close();
    setImmediate(() => process.exit(0));
    return {};
  },
});
process.send({ type: 'ready', port, pid: process.pid, node: process.version });
