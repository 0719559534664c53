/** Every experiment the lab knows; `lmech verify` runs them all. Each strand adds its own line. */
import type { Experiment } from './types.js';
import { dlnExperiment } from './dln.js';
import { quadraticStabilityExperiment } from './quadratic-stability.js';
import { edgeOfStabilityExperiment } from './edge-of-stability.js';
import { catapultExperiment } from './catapult.js';
import { ntkLearningCurvesExperiment } from './ntk-learning-curves.js';
import { widthConvergenceExperiment } from './width-convergence.js';
import { lazyRichExperiment } from './lazy-rich.js';
import { spectralBiasExperiment } from './spectral-bias.js';
import { implicitRegularizationExperiment } from './implicit-regularization.js';
import { sgdNoiseExperiment } from './sgd-noise.js';
import { depthTransferExperiment } from './depth-transfer.js';
import { coordCheckExperiment } from './coord-check.js';
import { muTransferExperiment } from './mu-transfer.js';
import { neuralCollapseExperiment } from './neural-collapse.js';
import { quantaExperiment } from './quanta.js';
import { scalingLawExperiment } from './scaling-law.js';
import { representationSimilarityExperiment } from './representation-similarity.js';
import { featureAnsatzExperiment } from './feature-ansatz.js';
import { conservationLawsExperiment } from './conservation-laws.js';
import { weightSpectraExperiment } from './weight-spectra.js';
import { singleIndexExperiment } from './single-index.js';
import { staircaseExperiment } from './staircase.js';
import { teacherStudentExperiment } from './teacher-student.js';
import { modularArithmeticExperiment } from './modular-arithmetic.js';
import { depthLimitsExperiment } from './depth-limits.js';
import { dlnLazyRichExperiment } from './dln-lazy-rich.js';
import { discretizationExperiment } from './discretization.js';

export const experiments: Experiment[] = [
  dlnExperiment,
  edgeOfStabilityExperiment,
  catapultExperiment,
  quadraticStabilityExperiment,
  ntkLearningCurvesExperiment,
  widthConvergenceExperiment,
  lazyRichExperiment,
  spectralBiasExperiment,
  implicitRegularizationExperiment,
  coordCheckExperiment,
  muTransferExperiment,
  depthTransferExperiment,
  sgdNoiseExperiment,
  scalingLawExperiment,
  quantaExperiment,
  neuralCollapseExperiment,
  featureAnsatzExperiment,
  conservationLawsExperiment,
  representationSimilarityExperiment,
  weightSpectraExperiment,
  teacherStudentExperiment,
  singleIndexExperiment,
  staircaseExperiment,
  modularArithmeticExperiment,
  dlnLazyRichExperiment,
  depthLimitsExperiment,
  discretizationExperiment,
];

export function getExperiment(name: string): Experiment {
  const e = experiments.find((x) => x.name === name);
  if (!e) throw new Error(`unknown experiment "${name}"; known: ${experiments.map((x) => x.name).join(', ')}`);
  return e;
}
