#!/usr/bin/env node
import { Command } from 'commander';
import { RiskGuardError } from '../errors.js';
import { registerConfigCommands } from './commands/config.js';
import { registerSimulate } from './commands/simulate.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerReport } from './commands/report.js';
import { registerDemo } from './commands/demo.js';

const program = new Command();
program
  .name('risk-guard')
  .description('Pre-trade risk guard for ccxt bots: net/gross exposure, leverage and order-size limits with exact resizing.')
  .showHelpAfterError();

// one file per command in ./commands
registerSimulate(program);
registerConfigCommands(program);
registerSnapshot(program);
registerReport(program);
registerDemo(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof RiskGuardError) {
    process.stderr.write(`risk-guard: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`risk-guard: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 3;
});
