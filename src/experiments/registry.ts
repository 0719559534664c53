/** Every experiment the lab knows; `lmech verify` runs them all. Each strand adds its own line. */
import type { Experiment } from './types.js';
import { dlnExperiment } from './dln.js';

export const experiments: Experiment[] = [
  dlnExperiment,
];

export function getExperiment(name: string): Experiment {
  const e = experiments.find((x) => x.name === name);
  if (!e) throw new Error(`unknown experiment "${name}"; known: ${experiments.map((x) => x.name).join(', ')}`);
  return e;
}
