/**
 * How the example bots are put behind the guard, against risk-guard's simulated
 * Binance USDⓈ-M exchange (no keys, no network). With a real exchange only the first
 * line changes: `const exchange = new ccxt.binanceusdm({ apiKey, secret })`.
 */
import { pathToFileURL } from 'node:url';
import { CcxtAdapter, RiskGuard, type RiskGuardConfigInput } from '../../index.js'; // in your bot: from 'risk-guard'
import { startSimExchange, type SimExchange, type SimExchangeOptions } from '../../sim/index.js'; // from 'risk-guard/sim'
import type { Bot, Exchange } from './bot.js';

/** The limits the examples and `risk-guard demo` run under: a 10 000 USDT account. */
export const EXAMPLE_CONFIG = {
  quoteCurrency: 'USDT',
  onBreach: 'resize',
  // strict: an order that shrinks one position must still keep the account limits
  // (with the default, true, a bid that closes a short may raise account net past its cap)
  alwaysAllowReducing: false,
  limits: {
    maxNetExposure: { value: '12000' },
    maxGrossExposure: { value: '24000' },
    maxLeverage: '2.2',
    maxPositionNotional: { default: '9000', symbols: { 'BTC/USDT:USDT': '10000' } },
    maxOrderNotional: '4000',
    priceBandBps: '100',
    maxOpenOrders: { perSymbol: 6, total: 12 },
    maxDrawdownPct: { value: '15', action: 'REDUCING' },
  },
} satisfies RiskGuardConfigInput;

export interface GuardedSim {
  sim: SimExchange;
  guard: RiskGuard;
  /** the ccxt exchange with its order methods behind the guard */
  exchange: Exchange;
  close(): Promise<void>;
}

/** A simulated exchange, a ccxt client on it, and a guard wrapped around the client. */
export async function startGuardedSim(config: RiskGuardConfigInput = EXAMPLE_CONFIG, simOptions: SimExchangeOptions = {}): Promise<GuardedSim> {
  const sim = await startSimExchange({ seed: 7, balances: { USDT: '10000' }, slippageBps: 0, ...simOptions });
  // the three lines a bot needs:
  const exchange = sim.ccxt() as unknown as Exchange;
  const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(exchange)] });
  const guarded = guard.wrap(exchange);
  return {
    sim, guard, exchange: guarded,
    async close() {
      await guard.close();
      await sim.close();
    },
  };
}

/**
 * One market tick: the price path moves a step, the guard re-reads the account and
 * prices (a live bot gets this from `freshness.maxAgeMs` or `refreshIntervalMs`), then
 * every bot takes its step at the same time, as separate strategy loops would.
 */
export async function tick(env: GuardedSim, bots: Bot[]): Promise<void> {
  await marketMoves(env);
  await Promise.all(bots.map((b) => b.step(env.exchange)));
}

/** The price path moves one step and the guard re-reads the account. */
export async function marketMoves({ sim, guard }: GuardedSim): Promise<void> {
  sim.advance(1);
  await guard.refresh();
}

/** Runs bots for `steps` ticks on a fresh simulated exchange and prints where the account ended. */
export async function runOnSim(bots: Bot[], opts: { steps: number }): Promise<void> {
  const env = await startGuardedSim();
  try {
    for (let i = 0; i < opts.steps; i++) await tick(env, bots);
    const x = env.guard.exposure();
    console.log(`after ${opts.steps} ticks: net ${x.net}, gross ${x.gross}, leverage ${x.leverage ?? 'n/a'}, equity ${x.equity} USDT`);
  } finally {
    await env.close();
  }
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}
