import { Command } from 'commander';
import { vi } from 'vitest';
import { register } from '../../src/cli/commands/hessian.js';

/** Run `lmech hessian ...args` in-process; returns stdout, or throws the command's error. */
export async function lmechHessian(...args: string[]): Promise<string> {
  const program = new Command();
  program.exitOverride();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  try {
    await program.parseAsync(['node', 'lmech', 'hessian', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}
