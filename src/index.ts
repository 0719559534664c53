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
