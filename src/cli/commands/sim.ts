import type { Command } from 'commander';
import { CREDENTIAL_ENV } from '../../../adapters/exchange-factory.js';
import { startSimExchange } from '../../sim/index.js';
import { CliError, shown } from '../io.js';

interface SimCliOptions {
  port: string;
  seed: string;
  balance: string[];
  tickMs: string;
  host: string;
}

function integer(value: string, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be an integer from ${min} to ${max}, got ${shown(value)}`);
  return n;
}

/** "USDT=10000" → ["USDT", "10000"]. */
function balance(spec: string): [string, string] {
  const m = /^([A-Z0-9]{2,12})=(\d+(\.\d+)?)$/.exec(spec.trim());
  if (!m) throw new CliError(`--balance must look like USDT=10000 (an asset, =, a non-negative decimal), got ${shown(spec)}`);
  return [m[1]!, m[2]!];
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('start the simulated exchange (Binance USDⓈ-M REST, any key accepted) and print its URL; Ctrl-C stops it')
    .option('--port <n>', 'port to listen on (0: any free port)', '0')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the price path', '1')
    .option('--balance <asset=amount>', 'starting wallet balance, repeatable (default USDT=10000)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--tick-ms <n>', 'advance the price path one step every this many milliseconds (0: prices stand still)', '1000')
    .addHelpText('after', '\nThen, in another terminal, paste the lines it prints and run for example:\n  npx risk-guard report --exchange binanceusdm --url http://127.0.0.1:PORT')
    .action(async (opts: SimCliOptions) => {
      const port = integer(opts.port, 'port', 0, 65535);
      const seed = integer(opts.seed, 'seed', 0);
      const tickMs = integer(opts.tickMs, 'tick-ms', 0);
      const balances = Object.fromEntries(opts.balance.length ? opts.balance.map(balance) : [['USDT', '10000']]);
      let sim;
      try {
        sim = await startSimExchange({ port, seed, balances, tickMs, host: opts.host });
      } catch (err) {
        throw new CliError(`cannot start the simulated exchange on ${opts.host}:${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      process.stdout.write([
        `simulated exchange (Binance USDⓈ-M) listening on ${sim.url}`,
        `balances: ${Object.entries(balances).map(([a, v]) => `${v} ${a}`).join(', ')}; seed ${seed}; ${tickMs > 0 ? `prices move every ${tickMs} ms` : 'prices stand still'}`,
        '',
        'any key works; paste these into the shell that runs the commands:',
        `  export ${CREDENTIAL_ENV.apiKey}=any ${CREDENTIAL_ENV.secret}=any`,
        `  npx risk-guard report --exchange binanceusdm --url ${sim.url}`,
        `  npx risk-guard snapshot --exchange binanceusdm --url ${sim.url} --out account.json`,
        '',
        'Ctrl-C stops it.',
        '',
      ].join('\n'));
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void sim.close().then(() => {
            process.stdout.write('simulated exchange stopped\n');
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
