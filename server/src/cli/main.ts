#!/usr/bin/env node
// The `irqlens` CLI: a plain registry of commands, one file per command in ./commands, each exporting register().
import { Command } from 'commander';
import * as calls from './commands/calls';
import * as contracts from './commands/contracts';
import * as def from './commands/def';
import * as demo from './commands/demo';
import * as flows from './commands/flows';
import * as hover from './commands/hover';
import * as index from './commands/index';
import * as lenses from './commands/lenses';
import * as links from './commands/links';
import * as refs from './commands/refs';
import * as review from './commands/review';
import * as scenarios from './commands/scenarios';
import * as simulate from './commands/simulate';
import * as symbols from './commands/symbols';

/** Longest error message printed: a message quoting a whole input is cut, with a note. */
const MAX_MESSAGE = 4000;

/** Parses `argv` (as process.argv) and runs the command; exits 1 with the message on an error. */
export function runCli(argv: string[]): void {
  const program = new Command();
  program.name('irqlens').description('Read, run and review the interrupt-delivery paths of Xen, QEMU, KVM and the Linux guest.').showHelpAfterError();

  for (const command of [index, symbols, calls, def, refs, hover, lenses, flows, links, contracts, simulate, scenarios, review, demo]) command.register(program);

  // A reader that stops early (`irqlens flows --json | head -1`) is no error: stop quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }

  program.parseAsync(argv).catch((e: unknown) => {
    const text = e instanceof Error ? e.message : String(e);
    const shown = text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}… (${text.length - MAX_MESSAGE} more characters)` : text;
    // Exit once stderr has taken the whole message, so a piped message is not cut short.
    process.stderr.write(`irqlens: ${shown}\n`, () => process.exit(1));
  });
}

// Run from the sources (`node --import tsx server/src/cli/main.ts`); the bundle is run by the entry (entry.ts).
if (require.main === module) runCli(process.argv);
