// Feature generators for the three models: the training distribution the shipped drift
// references were built from (build-references.mjs), and the traffic the demo sends.
// `shift` (0 = none, 1 = strong) moves the inputs away from the training distribution:
// that is how the demo makes drift happen.

/** A small deterministic PRNG (mulberry32), so references are reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random) {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function pick(random, entries) {
  let x = random();
  for (const [value, p] of entries) {
    x -= p;
    if (x <= 0) return value;
  }
  return entries[entries.length - 1][0];
}

const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

export const MODELS = ['win-probability', 'risk-scoring', 'lead-scoring'];

/** One input of `model`; `shift` in 0..1 moves it away from the training data. */
export function sampleFeatures(model, random, shift = 0) {
  switch (model) {
    case 'win-probability':
      return {
        amount: round(Math.exp(10.8 + 0.9 * normal(random) + 1.5 * shift)),
        daysOpen: round(1 + random() * 179 * (1 - 0.7 * shift)),
        stage: pick(
          random,
          shift > 0.5
            ? [
                ['prospecting', 0.7],
                ['qualification', 0.2],
                ['proposal', 0.05],
                ['negotiation', 0.05],
              ]
            : [
                ['prospecting', 0.3],
                ['qualification', 0.3],
                ['proposal', 0.25],
                ['negotiation', 0.15],
              ],
        ),
      };
    case 'risk-scoring':
      return {
        amount: round(Math.exp(11.5 + 1.1 * normal(random) + 1.2 * shift)),
        termMonths:
          pick(random, [
            [12, 0.3],
            [24, 0.3],
            [36, 0.25],
            [60, 0.15],
          ]) + (shift > 0.5 ? 48 : 0),
        industry: pick(
          random,
          shift > 0.5
            ? [
                ['crypto', 0.6],
                ['energy', 0.2],
                ['software', 0.1],
                ['retail', 0.1],
              ]
            : [
                ['software', 0.3],
                ['retail', 0.25],
                ['energy', 0.2],
                ['construction', 0.2],
                ['crypto', 0.05],
              ],
        ),
      };
    case 'lead-scoring':
      return {
        companySize: round(Math.exp(5.3 + 1.2 * normal(random) - 2 * shift)),
        engagement: round(Math.min(100, Math.max(0, 50 + 15 * normal(random) + 35 * shift)), 1),
        source: pick(
          random,
          shift > 0.5
            ? [
                ['outbound', 0.8],
                ['web', 0.2],
              ]
            : [
                ['web', 0.4],
                ['referral', 0.25],
                ['event', 0.2],
                ['outbound', 0.15],
              ],
        ),
      };
    default:
      throw new Error(`unknown model ${model}`);
  }
}
