#!/usr/bin/env node
import { Command } from 'commander';
import { parseConfig } from '../config/config.js';
import { configJsonSchema } from '../config/schema.js';
import { ConfigError, RiskGuardError } from '../errors.js';
import { readJson } from './io.js';
import { formatDecisions, simulate } from './simulate.js';

const program = new Command();
program
  .name('risk-guard')
  .description('Pre-trade risk guard for ccxt bots: net/gross exposure, leverage and order-size limits with exact resizing.')
  .showHelpAfterError();

program
  .command('simulate')
  .description('decide a list of orders against a saved account snapshot; approved orders stay pending for later ones')
  .requiredOption('--snapshot <file>', 'AccountSnapshot JSON (as written by `risk-guard snapshot`)')
  .requiredOption('--config <file>', 'risk-guard config JSON')
  .requiredOption('--orders <file>', 'JSON array of orders { symbol, side, type, amount, price?, reduceOnly?, params? }')
  .option('--json', 'print the Decisions as a JSON array')
  .action(async (opts: { snapshot: string; config: string; orders: string; json?: boolean }) => {
    const decisions = await simulate(opts);
    process.stdout.write(opts.json ? `${JSON.stringify(decisions, null, 2)}\n` : `${formatDecisions(decisions)}\n`);
  });

program
  .command('validate-config')
  .argument('<file>', 'risk-guard config JSON')
  .description('check a config; lists every problem with its path (exit 1 when invalid)')
  .action((file: string) => {
    try {
      const c = parseConfig(readJson(file, 'config'));
      const n = Object.keys(c.raw.limits).length;
      process.stdout.write(`${file}: valid (${n} limit${n === 1 ? '' : 's'} configured, mode ${c.mode}, onBreach ${c.onBreach})\n`);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${file}: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw err;
    }
  });

program
  .command('schema')
  .description('print the config\'s JSON Schema')
  .action(() => {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof RiskGuardError) {
    process.stderr.write(`risk-guard: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`risk-guard: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 3;
});
