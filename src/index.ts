/**
 * learning-mechanics — library entry point. Layers: engine → models → observables → theory →
 * experiments → reports.
 */
export * from './engine/index.js';
export * as linalg from './engine/linalg/index.js';
export * as dlnTheory from './theory/dln.js';
export * as dlnModel from './models/dln.js';
export { linearTeacher, targetMap, whitenedInputs } from './data/linear-teacher.js';
export { modeStrengths, singularValues } from './observables/modes.js';
export { layerAlignments } from './observables/alignment.js';
export { balanceMatrices, conservationDrift } from './observables/conservation.js';
export { gradientDescent } from './training/gd.js';
export { gradientFlow } from './training/flow.js';
export type { Objective, TrainResult } from './training/objective.js';
export { experiments, getExperiment } from './experiments/registry.js';
export { runExperiment } from './experiments/runner.js';
export { parseConfig, ConfigError } from './experiments/config.js';
export type { Check, Verdict, Experiment, ExperimentRecord, RegimeCondition, Tolerance, PlotSpec } from './experiments/types.js';
export { renderHtml } from './reports/html.js';
export * as hessian from './observables/hessian.js';
export * as stabilityTheory from './theory/stability.js';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, loadDataset, parseDataset, CheckpointError } from './io/checkpoint.js';
export type { Checkpoint, CheckpointManifest, Dataset, LossKind } from './io/checkpoint.js';
// Kernel-limit calculators (issue 3A): analytic NNGP/NTK, KRR and linearized dynamics, eigenlearning.
export * as kernels from './theory/kernels.js';
export { analyticKernel, dotProductKernel, fullyConnected } from './theory/kernels.js';
export type { FullyConnectedSpec, KernelPair, KernelLayer } from './theory/kernels.js';
export { kernelRidge, krrCoefficients, krrSolve, krrPredict, linearizedDynamics } from './theory/kernel-regression.js';
export { solveKappa, eigenlearning, learningCurve, kernelSpectrum, powerLawSpectrum } from './theory/eigenlearning.js';
export type { Spectrum, EigenlearningResult } from './theory/eigenlearning.js';
export { sampleSphere, sphereSpectrum, zonalHarmonic, gegenbauer, harmonicMultiplicity } from './data/sphere.js';
export { parseNpy, toNpy, readMatrix, parseJsonMatrix, parseCsvMatrix } from './io/npy.js';
// Lazy vs rich (issue 3B): two-layer (α/m)Σa_i ReLU(w_iᵀx) student, feature-learning observables, residual-decay law.
export * as twoLayer from './models/two-layer.js';
export * as lazyRichTheory from './theory/lazy-rich.js';
export * as residualDecay from './theory/linearized.js';
export { relativeChange, kernelTargetAlignment, angularConcentration, concentrationStdError, logLogFit } from './observables/feature-learning.js';
export * as eosTheory from './theory/edge-of-stability.js';
export { loadMnist, loadDigits, syntheticDigits, type Dataset as DigitsDataset } from './data/mnist.js';
export { initMlp, mlpForward, type MlpSpec, type Activation, type Parameterization } from './models/mlp.js';
export { empiricalNtk, jacobianRows } from './observables/ntk.js';
export { sharpness } from './observables/sharpness.js';
export type { ModelArtifact } from './experiments/types.js';
// Any architecture (issue 7): the layer library, models from layers, optimizers, the training loop,
// parameterizations, checkpoints of any model.
export * as nn from './nn/index.js';
export { model, withInfo, type Model, type ModelSpec } from './nn/model.js';
export { mlpModel } from './models/mlp.js';
export { residualMlp, type ResidualMlpSpec } from './models/residual-mlp.js';
export { cnn, type CnnSpec } from './models/cnn.js';
export { transformer, type TransformerSpec } from './models/transformer.js';
export { buildModel } from './models/registry.js';
export * as optim from './training/optim/index.js';
export { train, trainFlat } from './training/loop.js';
export { batchSampler } from './training/batches.js';
export { objectiveFromLoss } from './training/objective.js';
export { saveModelCheckpoint, loadModelCheckpoint, encodeModelCheckpoint, decodeModelCheckpoint, loadModelDataset, parseModelDataset } from './io/checkpoint.js';
export type { ModelCheckpoint, ModelCheckpointManifest, ModelDataset, InputKind } from './io/checkpoint.js';
export { sp, ntp, mup, mupPackage, meanField, abc, parameterize, muP, transferLr, depthMultiplier, depthParameterize, shiftSymmetry } from './nn/parameterization.js';
// The portable libm (issue 10): elementary functions with the same bits in every JS engine.
export * as libm from './engine/libm.js';
export { loadUserData, UserDataError } from './data/user-data.js';
export { figureSvg, standaloneSvg, seriesCsv, parseCsv, figureName } from './reports/figure-export.js';
export { mathHtml, plainMath } from './reports/math.js';
// Theories of hyperparameters (issue 11).
export { coordCheck, slopeAcrossSeeds } from './observables/coord-check.js';
export * as abcExponents from './theory/abc-exponents.js';
export * as depthScalingTheory from './theory/depth-scaling.js';
export * as noiseScale from './observables/noise-scale.js';
export * as sgdNoiseTheory from './theory/sgd-noise.js';
export * as implicitRegularizationTheory from './theory/implicit-regularization.js';
export { sweepOptimum, type Optimum } from './lab/optimum.js';
export * as syntheticLanguage from './data/synthetic-language.js';
// Laws and universality (issue 12).
export * as scalingFit from './observables/scaling-fit.js';
export { lbfgs } from './training/lbfgs.js';
export * as neuralCollapse from './observables/neural-collapse.js';
export * as similarity from './observables/similarity.js';
export * as featureAnsatz from './observables/feature-ansatz.js';
export * as noether from './theory/noether.js';
export * as quantaTheory from './theory/quanta.js';
export * as sparseParity from './data/sparse-parity.js';
export * as spectra from './observables/spectra.js';
export * as hermite from './theory/hermite.js';
export * as committeeMachineTheory from './theory/committee-machine.js';
export * as randomProducts from './theory/random-products.js';
export * as dlnRiccati from './theory/dln-riccati.js';
export { fitLimit, limitReached, type LimitFit } from './lab/limit-fit.js';
export * as modularFourier from './theory/modular-fourier.js';
export * as modularData from './data/modular.js';
// The atlas (issue 14): the paper's claims as data, their status from verdicts.
export { CLAIMS, OPEN_DIRECTIONS, STRANDS } from './lab/claims.js';
export { buildAtlas, claimOutcome } from './lab/atlas.js';
