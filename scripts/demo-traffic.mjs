// The demo's traffic: realistic requests at the example services (errors, slow
// requests, drifting model inputs, failing batch jobs, LLM jobs), used by scripts/demo.mjs.
import { MODELS, sampleFeatures } from '../examples/ml-service/scripts/features.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const chance = (p) => Math.random() < p;
const pickOne = (list) => list[Math.floor(Math.random() * list.length)];

const COUNTERPARTIES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark-industries'];
const INDUSTRIES = ['software', 'retail', 'energy', 'construction', 'crypto'];

/** Deal evaluations and look-ups at risk-analytics: 400s, 404s, 503s and slow large deals. */
function riskTraffic({ base, send }) {
  const dealIds = [];
  async function riskStep() {
    if (dealIds.length > 0 && chance(0.3)) {
      // Mostly known deals; some were never evaluated (404).
      const id = chance(0.9) ? pickOne(dealIds) : `D-missing-${Math.floor(Math.random() * 1000)}`;
      await send('GET', `${base}/api/v1/risk/deals/${id}`);
      return;
    }
    const dealId = `D-${Math.floor(Math.random() * 100_000)}`;
    const deal = {
      dealId,
      amount: chance(0.06)
        ? 5_000_000 + Math.floor(Math.random() * 4_000_000)
        : 10_000 + Math.floor(Math.random() * 900_000),
      industry: pickOne(INDUSTRIES),
      // An unknown counterparty fails the feature lookup (503); a few requests are invalid (400).
      counterparty: chance(0.05) ? 'newco-unrated' : pickOne(COUNTERPARTIES),
      termMonths: pickOne([6, 12, 24, 36, 60]),
    };
    const res = await send('POST', `${base}/api/v1/risk/evaluate`, chance(0.03) ? { dealId } : deal);
    if (res.status === 200 && dealIds.length < 500) dealIds.push(dealId);
  }
  return riskStep;
}

/** Predictions (single and batch), evaluations and model cards at ml-service; inputs drift with `shift()`. */
function mlTraffic({ base, send, shift }) {
  let mlSteps = 0;
  async function mlStep() {
    mlSteps++;
    const model = pickOne(MODELS);
    // Lead scoring and win probability drift; risk scoring keeps its training distribution.
    const s = model === 'risk-scoring' ? 0 : shift();
    if (mlSteps % 15 === 0) {
      const items = Array.from({ length: 25 }, () => sampleFeatures(model, Math.random, s));
      await send('POST', `${base}/api/v1/ml/predict/${model}/batch`, { items });
    } else if (mlSteps % 40 === 0) {
      // The evaluation job reports accuracy against ground truth: worse once inputs drift.
      const value = shift() === 1 ? 0.72 + Math.random() * 0.04 : 0.86 + Math.random() * 0.04;
      await send('POST', `${base}/api/v1/ml/models/lead-scoring/evaluation`, { metric: 'accuracy', value });
    } else if (mlSteps % 50 === 0) {
      await send('GET', `${base}/api/v1/ml/models/${model}/card`);
    } else {
      const features = sampleFeatures(model, Math.random, s);
      if (model === 'lead-scoring' && chance(0.03)) features.source = 'partner-api'; // enrichment times out (504)
      await send('POST', `${base}/api/v1/ml/predict/${model}`, { features });
    }
  }
  return mlStep;
}

const TOPICS = [
  'Quarterly pipeline review for logistics buyers',
  'How risk scoring shortens deal cycles',
  'Five onboarding emails for new analytics customers',
  'Release notes: faster forecasts',
  'Case study: churn down 12 % at a retailer',
  'Webinar invitation: data quality in practice',
];

/** LLM content jobs at content-pipeline: some blocked by QC, some failing at the provider. */
function contentTraffic({ base, send }) {
  async function contentStep() {
    let topic = `${pickOne(TOPICS)} #${Math.floor(Math.random() * 1000)}`;
    if (chance(0.1)) topic = `Miracle guaranteed returns ${Math.floor(Math.random() * 1000)}`; // blocked by QC
    if (chance(0.05)) topic += ' [provider-timeout]'; // the provider times out: failed
    await send('POST', `${base}/api/v1/content/jobs`, {
      topic,
      format: pickOne(['blog', 'email', 'social']),
    });
  }
  return contentStep;
}

/** Job triggers and approvals at workflow-orchestrator (a few without the API key: 401). */
function orchestratorTraffic({ base, send, apiKey }) {
  let orchestratorSteps = 0;
  const pendingApprovals = [];
  async function orchestratorStep() {
    const key = { 'x-api-key': apiKey };
    orchestratorSteps++;
    if (orchestratorSteps % 8 === 0) {
      const res = await fetch(`${base}/api/v1/hitl/approvals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...key },
        body: JSON.stringify({
          jobName: 'risk-snapshot-backfill',
          reason: 'backfill a quarter',
          params: { items: 30, itemDelayMs: 20 },
        }),
        signal,
      });
      if (res.ok) pendingApprovals.push((await res.json()).id);
      return;
    }
    if (orchestratorSteps % 8 === 4 && pendingApprovals.length > 0) {
      const id = pendingApprovals.shift();
      const decision = chance(0.75) ? 'approved' : 'rejected';
      await send('POST', `${base}/api/v1/hitl/approvals/${id}/decision`, { decision, reviewer: 'demo' }, key);
      return;
    }
    if (orchestratorSteps % 10 === 5) {
      await send('GET', `${base}/api/v1/hitl/approvals?status=pending`, undefined, key);
      return;
    }
    const r = Math.random();
    const [job, params] =
      r < 0.5
        ? ['outcome-sync', { simulateFailure: chance(0.25) }]
        : r < 0.8
          ? [
              'risk-snapshot-backfill',
              { items: 20 + Math.floor(Math.random() * 40), itemDelayMs: 15, simulateFailure: chance(0.1) },
            ]
          : ['forecast-refresh', {}];
    // A few callers forget the API key (401 from the global guard).
    await send('POST', `${base}/api/v1/workflows/jobs/${job}/trigger`, { params }, chance(0.05) ? {} : key);
  }
  return orchestratorStep;
}

/**
 * Starts the traffic loops for the running services and returns a promise that settles
 * once `signal` aborts and every loop has finished.
 * `byName`: running services by name (`{ base }`); `shift()`: 0 (training distribution)
 * or 1 (shifted model inputs); `apiKey`: the workflow-orchestrator's API key.
 */
export function startTraffic({ byName, signal, shift, apiKey }) {
  async function send(method, url, body, headers = {}) {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    await res.arrayBuffer();
    return res;
  }

  async function loop(step, pauseMs) {
    while (!signal.aborted) {
      try {
        await step();
      } catch {
        // a refused connection or an aborted request: the summary shows it
      }
      await sleep(pauseMs());
    }
  }
  const loops = [];
  const service = (name) => byName[name] && { base: byName[name].base, send, shift, apiKey };
  // Two concurrent loops share one step (its known deals, its step counter).
  const risk = service('risk-analytics') && riskTraffic(service('risk-analytics'));
  if (risk)
    loops.push(
      loop(risk, () => 30),
      loop(risk, () => 45),
    );
  const ml = service('ml-service') && mlTraffic(service('ml-service'));
  if (ml)
    loops.push(
      loop(ml, () => 30),
      loop(ml, () => 45),
    );
  const content = service('content-pipeline');
  if (content) loops.push(loop(contentTraffic(content), () => 250));
  const orchestrator = service('workflow-orchestrator');
  if (orchestrator) loops.push(loop(orchestratorTraffic(orchestrator), () => 600));
  return Promise.allSettled(loops);
}
