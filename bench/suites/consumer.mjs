// Consumer: messages/s of a bare vs an instrumented amqplib consumer on the real broker.
// Uses packages/amqplib/bench/consumer.mjs when the package ships one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { median, repoDir, serverNode, spawnNode } from '../lib/proc.mjs';
import { fmt, table } from '../lib/report.mjs';

function runScript(file) {
  return new Promise((resolve) => {
    const child = spawn(serverNode(), [file], { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

export async function run(opts, report) {
  const pkgBench = join(repoDir, 'packages/amqplib/bench/consumer.mjs');
  let external = '';
  if (existsSync(pkgBench)) {
    const { code, out } = await runScript(pkgBench);
    process.stdout.write(out);
    external = `From \`node packages/amqplib/bench/consumer.mjs\` (the @glassbox/amqplib package's own benchmark, prom-client backend; exit code ${code}):\n\n\`\`\`text\n${out.trim()}\n\`\`\`\n\nAnd with the native backend (bench/lib/consumer-child.mjs):\n\n`;
  }
  const count = opts.quick ? 10_000 : 30_000;
  const rounds = opts.quick ? 2 : 3;
  const child = spawnNode('lib/consumer-child.mjs', [], { core: 0 });
  const res = { bare: [], instrumented: [] };
  try {
    await child.ready;
    await child.call({ cmd: 'run', instrumented: false, count: 2000 }); // warm-up
    await child.call({ cmd: 'run', instrumented: true, count: 2000 });
    for (let r = 0; r < rounds; r++) {
      for (const instrumented of [false, true]) {
        const m = await child.call({ cmd: 'run', instrumented, count });
        res[instrumented ? 'instrumented' : 'bare'].push(m);
        console.log(
          `consumer ${instrumented ? 'instrumented' : 'bare'}: ${fmt.int(m.rate)} msg/s, ${fmt.num(m.cpuPerMsg)} µs CPU/msg`,
        );
        if (instrumented && m.recorded !== count - 0)
          console.warn(`consumer: recorded ${m.recorded} of ${count} messages`);
      }
    }
  } catch (error) {
    report.section(
      'Consumer',
      `${external}Not measured: ${error.message.split('\n')[0]} (is RabbitMQ running at 127.0.0.1:5672?)`,
    );
    return undefined;
  } finally {
    await child.stop();
  }
  const b = { rate: median(res.bare.map((m) => m.rate)), cpu: median(res.bare.map((m) => m.cpuPerMsg)) };
  const i = {
    rate: median(res.instrumented.map((m) => m.rate)),
    cpu: median(res.instrumented.map((m) => m.cpuPerMsg)),
  };
  report.section(
    'Consumer',
    `${external}amqplib 0.10 consumer on the real broker (RabbitMQ at 127.0.0.1:5672): ${count.toLocaleString('en-US')} messages (≈250 B) published to a fresh queue, then consumed with prefetch 200 and one \`ack\` each; consumer process pinned to core 0, the broker unpinned. Median of ${rounds} interleaved rounds. *instrumented*: the channel wrapped by \`instrumentChannel\` from @glassbox/amqplib (native backend; outcome counter, processing-time histogram, in-flight gauge, message age).\n\n` +
      table(
        ['consumer', 'messages/s', 'CPU µs/message', 'vs bare (CPU)'],
        [
          ['bare amqplib', fmt.int(b.rate), fmt.num(b.cpu), '+0.0 %'],
          ['Glassbox-instrumented', fmt.int(i.rate), fmt.num(i.cpu), fmt.pct(i.cpu / b.cpu)],
        ],
      ),
  );
  return { bare: b, instrumented: i };
}
