import type { Command } from 'commander';
import { formatDecisions, simulate } from '../simulate.js';

export function registerSimulate(program: Command): void {
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
}
