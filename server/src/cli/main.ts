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
import * as scenarios from './commands/scenarios';
import * as simulate from './commands/simulate';
import * as symbols from './commands/symbols';

const program = new Command();
program.name('irqlens').description('Read, run and review the interrupt-delivery paths of Xen, QEMU, KVM and the Linux guest.').showHelpAfterError();

for (const command of [index, symbols, calls, def, refs, hover, lenses, flows, links, contracts, simulate, scenarios, demo]) command.register(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`irqlens: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
