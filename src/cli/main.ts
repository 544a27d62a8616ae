#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, RiskGuardError, SnapshotError } from '../errors.js';
import { registerConfigCommands } from './commands/config.js';
import { registerSimulate } from './commands/simulate.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerReport } from './commands/report.js';
import { registerDemo } from './commands/demo.js';
import { registerSim } from './commands/sim.js';

/** The package's own version, from the package.json two folders above the compiled CLI (dist/src/cli). */
function version(): string {
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // not there: the next candidate
    }
  }
  return 'unknown';
}

/**
 * Exit codes: 0 success; 1 an invalid config (validate-config) or a breach (demo); 2 a
 * problem with the input — an unknown or missing option or command, files, credentials,
 * the exchange; 3 a bug.
 */
const USAGE = 2;

const program = new Command();
program
  .name('risk-guard')
  .description('Pre-trade risk guard for ccxt bots: net/gross exposure, leverage and order-size limits with exact resizing.')
  .version(version(), '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

// one file per command in ./commands
registerSimulate(program);
registerConfigCommands(program);
registerSnapshot(program);
registerReport(program);
registerDemo(program);
registerSim(program);
for (const c of program.commands) c.exitOverride();

/** A library error in the CLI's words: what to fix is a file or an option, and the command is run again. */
function forCli(err: RiskGuardError): string {
  if (err instanceof ConfigError) return `invalid config (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}); fix the config file and run the command again:\n  - ${err.problems.join('\n  - ')}`;
  if (err instanceof SnapshotError) return `the account snapshot from ${err.source} is unusable: ${err.problems.join('; ')}`;
  return err.message;
}

if (process.argv.length <= 2) {
  // no command: the help, as a usage error
  process.stderr.write(program.helpInformation());
  process.exitCode = USAGE;
} else {
  program.parseAsync(process.argv).catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // help and version exit 0; every other commander error is a usage error (already printed)
      process.exitCode = err.exitCode === 0 ? 0 : USAGE;
      return;
    }
    if (err instanceof RiskGuardError) {
      process.stderr.write(`risk-guard: ${forCli(err)}\n`);
      process.exitCode = USAGE;
      return;
    }
    process.stderr.write(`risk-guard: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 3;
  });
}
