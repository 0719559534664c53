import { Command } from 'commander';
import { vi } from 'vitest';
import { register as registerHessian } from '../../src/cli/commands/hessian.js';

/** Run one `lmech <name> ...args` subcommand in-process (its `register`); returns stdout, or throws the command's error. */
export async function runCommand(register: (p: Command) => void, name: string, ...args: string[]): Promise<string> {
  const program = new Command();
  program.exitOverride();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  try {
    await program.parseAsync(['node', 'lmech', name, ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

/** Run `lmech hessian ...args` in-process; returns stdout, or throws the command's error. */
export function lmechHessian(...args: string[]): Promise<string> {
  return runCommand(registerHessian, 'hessian', ...args);
}
