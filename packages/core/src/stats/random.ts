/**
 * Seeded random variates for the drift calibration's simulations: a small, fast
 * PRNG and binomial / multinomial draws whose cost does not grow with the number
 * of trials, so a null distribution can be simulated at any window size.
 */

/** A deterministic PRNG (mulberry32): uniform in [0, 1), same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal variate (Box–Muller). */
export function normalVariate(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Variance n·p·(1 − p) from which {@link binomialVariate} uses the normal
 * approximation (skewness below 1/√200 ≈ 0.07); below it the draw is exact.
 */
export const BINOMIAL_NORMAL_LIMIT = 200;

/**
 * Binomial(n, p) variate: exact by inversion (sequential search of the CDF) while
 * n·p·(1 − p) < {@link BINOMIAL_NORMAL_LIMIT}, else the rounded normal approximation,
 * clamped to [0, n]. Cost is O(1 + n·min(p, 1 − p)) below the limit, O(1) above.
 */
export function binomialVariate(n: number, p: number, random: () => number): number {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomialVariate(n, 1 - p, random);
  const variance = n * p * (1 - p);
  if (variance >= BINOMIAL_NORMAL_LIMIT) {
    const x = Math.round(n * p + Math.sqrt(variance) * normalVariate(random));
    return Math.min(n, Math.max(0, x));
  }
  const ratio = p / (1 - p);
  let f = (1 - p) ** n;
  let u = random();
  let k = 0;
  while (u > f && k < n) {
    u -= f;
    f *= (ratio * (n - k)) / (k + 1);
    k++;
  }
  return k;
}

/**
 * Multinomial(n, probabilities) variate written into `out` (same length), by
 * sequential conditional binomials. `probabilities` must be ≥ 0 and sum to 1.
 */
export function multinomialVariate(
  n: number,
  probabilities: ArrayLike<number>,
  random: () => number,
  out: Float64Array,
): Float64Array {
  let rest = n;
  let mass = 1;
  const last = probabilities.length - 1;
  for (let i = 0; i < last; i++) {
    const p = probabilities[i] as number;
    const x = rest > 0 && mass > 0 ? binomialVariate(rest, Math.min(1, p / mass), random) : 0;
    out[i] = x;
    rest -= x;
    mass -= p;
  }
  out[last] = rest;
  return out;
}
