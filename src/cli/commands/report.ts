import type { Command } from 'commander';
import { CcxtAdapter } from '../../../adapters/ccxt-adapter.js';
import { CREDENTIAL_HELP, exchangeFromEnv, releaseExchange } from '../../../adapters/exchange-factory.js';
import { Decimal } from '../../number.js';
import type { ExposureReport } from '../../guard/exposure-report.js';
import { RiskGuard } from '../../guard/risk-guard.js';
import { CliError, configProblems, readJson, table } from '../io.js';
import { parseConfig } from '../../config/config.js';
import { ConfigError } from '../../errors.js';

interface ReportOptions {
  exchange: string;
  config?: string;
  url?: string;
  name?: string;
  type?: 'spot' | 'contract';
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('read a live account and print its exposure: equity, net, gross, leverage, per asset, per position, and each configured limit\'s utilisation')
    .requiredOption('--exchange <id>', 'ccxt exchange id: binanceusdm, binancecoinm, bybit, okx, binance (spot), …')
    .option('--config <file>', 'risk-guard config JSON: its limits are reported with their utilisation (default: no limits)')
    .option('--url <url>', 'send every REST request to this base URL instead of the exchange (e.g. a simulated exchange on http://127.0.0.1:PORT)')
    .option('--name <name>', 'account name (default: the exchange id)')
    .option('--type <kind>', 'spot or contract, where one ccxt exchange serves both (binance)')
    .option('--json', 'print the ExposureReport as JSON (decimal strings)')
    .addHelpText('after', `\n${CREDENTIAL_HELP}\n\nExample:\n  RISK_GUARD_API_KEY=… RISK_GUARD_SECRET=… risk-guard report --exchange bybit --config risk.json`)
    .action(async (opts: ReportOptions) => {
      if (opts.type !== undefined && opts.type !== 'spot' && opts.type !== 'contract') throw new CliError(`--type must be spot or contract, got ${opts.type}`);
      const config = opts.config ? readJson(opts.config, 'config') : {};
      if (opts.config) {
        // a bad config file is found before the account is read
        try {
          parseConfig(config);
        } catch (err) {
          if (err instanceof ConfigError) throw new CliError(configProblems(opts.config, err));
          throw err;
        }
      }
      const exchange = exchangeFromEnv({ exchange: opts.exchange, ...(opts.url ? { url: opts.url } : {}) });
      try {
        const adapter = new CcxtAdapter(exchange, {
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.type ? { accountType: opts.type } : {}),
        });
        const guard = await RiskGuard.create({ config, sources: [adapter] });
        try {
          const report = guard.exposure();
          process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, guard.config.quoteCurrency)}\n`);
        } finally {
          await guard.close();
        }
      } finally {
        await releaseExchange(exchange);
      }
    });
}

function pct(ratio: string | null): string {
  return ratio === null ? 'n/a' : `${new Decimal(ratio).mul(100).toDecimalPlaces(2).toFixed(2)}%`;
}

export function formatReport(r: ExposureReport, quote: string): string {
  const lines: string[] = [];
  lines.push(`exposure as of ${r.asOf} (${quote})`);
  lines.push(table(['metric', 'value'], [
    ['equity', r.equity],
    ['net', r.net],
    ['gross', r.gross],
    ['leverage', r.leverage ?? 'n/a (equity not positive)'],
  ]));
  const assets = Object.entries(r.assets);
  lines.push('', assets.length ? table(['asset', 'exposure'], assets.map(([a, v]) => [a, v])) : 'no asset exposure');
  lines.push('', r.holdings.length
    ? table(['account', 'instrument', 'side', 'units', 'notional'], r.holdings.map((h) => [h.account, h.instrument, h.side, h.units, h.notional ?? 'unpriced']))
    : 'no positions or non-cash balances');
  lines.push('', r.limits.length
    ? table(['limit', 'subject', 'threshold', 'worst case', 'utilisation'], r.limits.map((l) => [l.limit, l.subject ?? '', l.threshold, l.value, pct(l.utilisation)]))
    : 'no limits configured (pass --config)');
  lines.push('', r.pending.length
    ? table(['pending (holds room)', 'side', 'amount', 'price', 'stage', 'client id', 'exchange id', 'since'],
      r.pending.map((p) => [`${p.account} ${p.symbol}`, p.side, p.editTo ? `${p.remaining} (edit to ${p.editTo})` : p.remaining, p.price ?? 'market', p.stage, p.clientOrderId ?? '', p.exchangeOrderId ?? '', p.since]))
    : 'nothing pending');
  if (r.unpriced.length) lines.push('', `unpriced (opening orders would block): ${r.unpriced.join(', ')}`);
  if (r.inconsistencies.length) {
    lines.push('', 'the exchange\'s own figures disagree with the guard\'s (opening orders block with DATA_MISMATCH):');
    lines.push(table(['holding', 'figure', 'exchange field', 'exchange says', 'guard computes', 'from'],
      r.inconsistencies.map((m) => [m.subject, m.figure, m.field, m.stated, m.computed, m.basis])));
  }
  for (const w of r.warnings) lines.push('', `warning: ${w}`);
  return lines.join('\n');
}
