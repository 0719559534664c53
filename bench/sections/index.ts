/**
 * Every benchmark section, in the order they run and appear in BENCHMARKS.md.
 * A new section: add its file under bench/sections/ and one line here.
 */
import type { BenchSection } from '../harness.js';
import { engineSection } from './engine.js';
import { hessianSection } from './hessian.js';
import { kernelsSection } from './kernels.js';
import { nnSection } from './nn.js';
import { sweepSection } from './sweep.js';

export const sections: readonly BenchSection[] = [
  engineSection,
  hessianSection,
  kernelsSection,
  nnSection,
  sweepSection,
];
