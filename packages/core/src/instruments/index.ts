// Framework-agnostic instruments: model, drift, batch and llm.

export type {
  ChiSquareResult,
  JensenShannonOptions,
  KsMethod,
  KsOptions,
  KsResult,
  PsiOptions,
} from './stats.js';
export {
  binCounts,
  binIndex,
  chiSquare,
  chiSquareDrift,
  chiSquareSf,
  gammaQ,
  jensenShannonDistance,
  KS_EXACT_LIMIT,
  kolmogorovSf,
  ks2samp,
  lnGamma,
  normalizedWasserstein,
  PSI_EPSILON,
  populationStd,
  psi,
  WASSERSTEIN_MIN_STD,
  wassersteinDistance,
} from './stats.js';
