import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CcxtAdapter } from '../../../adapters/ccxt-adapter.js';
import { CREDENTIAL_HELP, exchangeFromEnv, releaseExchange } from '../../../adapters/exchange-factory.js';
import { PRECISION_MODE, type PrecisionModeName } from '../../book/market.js';
import { CliError, assertWritable, shown } from '../io.js';

/**
 * ccxt's precision mode as the snapshot format writes it: a name ("TICK_SIZE",
 * "DECIMAL_PLACES", "SIGNIFICANT_DIGITS"), not ccxt's number (4, 2, 3). Reading a snapshot
 * accepts both; a number that is no precision mode is kept as it is.
 */
export function precisionModeName(mode: unknown): string | number | undefined {
  if (typeof mode === 'string') return mode;
  const name = (Object.keys(PRECISION_MODE) as PrecisionModeName[]).find((k) => PRECISION_MODE[k] === mode);
  return name ?? (typeof mode === 'number' ? mode : undefined);
}

interface SnapshotOptions {
  exchange: string;
  out?: string;
  url?: string;
  name?: string;
  symbols?: string;
  type?: 'spot' | 'contract';
}

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('read a live account (positions, balances, open orders, prices) and write it as an AccountSnapshot JSON for `risk-guard simulate`')
    .requiredOption('--exchange <id>', 'ccxt exchange id: binanceusdm, binancecoinm, bybit, okx, binance (spot), …')
    .option('--out <file>', 'write the snapshot to this file (default: standard output)')
    .option('--url <url>', 'send every REST request to this base URL instead of the exchange (e.g. a simulated exchange on http://127.0.0.1:PORT)')
    .option('--name <name>', 'account name stored in the snapshot (default: the exchange id)')
    .option('--symbols <list>', 'comma-separated symbols the bot trades: their prices are included and the markets limited to them plus what the account holds')
    .option('--type <kind>', 'spot or contract, where one ccxt exchange serves both (binance)')
    .addHelpText('after', `\n${CREDENTIAL_HELP}\n\nExample:\n  RISK_GUARD_API_KEY=… RISK_GUARD_SECRET=… risk-guard snapshot --exchange binanceusdm --out account.json`)
    .action(async (opts: SnapshotOptions) => {
      if (opts.type !== undefined && opts.type !== 'spot' && opts.type !== 'contract') throw new CliError(`--type must be spot or contract, got ${opts.type}`);
      if (opts.out) assertWritable(opts.out, '--out');
      const exchange = exchangeFromEnv({ exchange: opts.exchange, ...(opts.url ? { url: opts.url } : {}) });
      try {
        const symbols = opts.symbols ? opts.symbols.split(',').map((s) => s.trim()).filter(Boolean) : [];
        if (symbols.length) {
          // a symbol the exchange does not list is a typo, not a market to skip
          await exchange.loadMarkets();
          const unknown = symbols.filter((s) => !exchange.markets?.[s]);
          if (unknown.length) throw new CliError(`--symbols: ${unknown.map(shown).join(', ')} ${unknown.length === 1 ? 'is not a market' : 'are not markets'} of ${opts.exchange}; use ccxt's unified symbols, e.g. BTC/USDT:USDT`);
        }
        const adapter = new CcxtAdapter(exchange, {
          ...(opts.name ? { name: opts.name } : {}),
          ...(symbols.length ? { symbols } : {}),
          ...(opts.type ? { accountType: opts.type } : {}),
        });
        const snapshot = await adapter.fetchSnapshot();
        const json = `${JSON.stringify({ ...snapshot, precisionMode: precisionModeName(snapshot.precisionMode) }, null, 2)}\n`;
        if (opts.out) {
          try {
            writeFileSync(opts.out, json);
          } catch (err) {
            throw new CliError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          }
          process.stdout.write(`${opts.out}: ${snapshot.account} at ${new Date(snapshot.timestamp).toISOString()}: `
            + `${snapshot.positions.length} positions, ${snapshot.openOrders.length} open orders, `
            + `${Object.keys(snapshot.balance).filter((k) => k !== 'total').length} balances, ${snapshot.markets.length} markets\n`);
        } else {
          process.stdout.write(json);
        }
      } finally {
        await releaseExchange(exchange);
      }
    });
}
