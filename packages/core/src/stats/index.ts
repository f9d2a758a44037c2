// @glassbox/core/stats: the drift statistics as pure functions (no state, no metrics),
// for offline analysis and for comparing a score with one computed in Python.

export type { JensenShannonOptions, PsiOptions } from './distances.js';
export {
  binCounts,
  binIndex,
  jensenShannonDistance,
  normalizedWasserstein,
  PSI_EPSILON,
  populationStd,
  psi,
  WASSERSTEIN_MIN_STD,
  wassersteinDistance,
} from './distances.js';
export {
  BINOMIAL_NORMAL_LIMIT,
  binomialVariate,
  mulberry32,
  multinomialVariate,
  normalVariate,
} from './random.js';
export type { ChiSquareResult, KsMethod, KsOptions, KsResult, ScaledChiSquare } from './tests.js';
export {
  chiSquare,
  chiSquareDrift,
  chiSquareIsf,
  chiSquarePdf,
  chiSquareSf,
  fitScaledChiSquare,
  gammaQ,
  holm,
  KS_EXACT_LIMIT,
  kolmogorovSf,
  ks2samp,
  lnGamma,
} from './tests.js';
