/**
 * Extra `lmech` subcommands, one module each (kernel calculators, Hessian estimators, …).
 * Each module exports `register(program)`; add one line per module below.
 */
import type { Command } from 'commander';

export const commands: ((program: Command) => void)[] = [];
