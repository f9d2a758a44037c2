// The load generator process (autocannon's programmatic API), pinned to its own core.
// `run`: GET /users/<random id> for `duration` s with `connections` connections, or
// `flood`: `amount` requests to distinct unmatched paths.
import autocannon from 'autocannon';
import { serveIpc } from './proc.mjs';

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function summary(r) {
  return {
    total: r.requests.total,
    rps: r.requests.average,
    p99: r.latency.p99,
    p50: r.latency.p50,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    ok: r['2xx'],
  };
}

serveIpc({
  run: async ({ url, duration, connections }) => {
    const r = await cannon({
      url,
      connections,
      duration,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/users/${Math.floor(Math.random() * 1_000_000)}` }),
        },
      ],
    });
    return { result: summary(r) };
  },
  flood: async ({ url, amount, connections, prefix }) => {
    let n = 0;
    const r = await cannon({
      url,
      connections,
      amount,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/${prefix}/${n++}/x${Math.floor(Math.random() * 1e9)}` }),
        },
      ],
    });
    return { result: summary(r) };
  },
});
process.send({ type: 'ready' });
