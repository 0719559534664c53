/**
 * Extra `lmech` subcommands, one module each (kernel calculators, Hessian estimators, …).
 * Each module exports `register(program)`; add one line per module below.
 */
import type { Command } from 'commander';
import { register as hessian } from './hessian.js';
import { register as kernel } from './kernel.js';
import { register as landscape } from './landscape.js';
import { register as sweep } from './sweep.js';
import { register as runs } from './runs.js';
import { register as worker } from './worker.js';
import { register as noiseScale } from './noise-scale.js';
import { register as coordCheck } from './coord-check.js';
import { register as fitScaling } from './fit-scaling.js';
import { register as similarity } from './similarity.js';
import { register as spectra } from './spectra.js';
import { register as testHypothesis } from './test-hypothesis.js';

export const commands: ((program: Command) => void)[] = [hessian, landscape, kernel, sweep, runs, worker, noiseScale, coordCheck, fitScaling, similarity, spectra, testHypothesis];
