/**
 * Bot 2 — one account, two strategies trading it at the same time.
 *
 * A market maker quotes ETH on both sides with resting limit orders, and a momentum
 * trader buys or sells SOL at market when the price has moved. Each is sized to be
 * harmless alone; together, at the same moment, they are not. They share one wrapped
 * exchange, so every order each of them sends is reserved the moment the guard
 * approves it: the other strategy's next check already counts it, in flight or
 * resting, and the two can never jointly pass a limit that each would pass alone.
 *
 *   npx tsx strategies-example/two-strategies.ts    (runs both against the simulated exchange)
 */
import ccxt from 'ccxt';
import { place, type Bot, type Exchange, type Log } from './bot.js';

export interface MarketMakerOptions {
  symbol?: string;
  /** size of each quote, in ETH */
  size?: number;
  /** quotes sit this many basis points either side of the mark */
  spreadBps?: number;
  /** a quote not filled after this many ticks is cancelled */
  ttl?: number;
  log?: Log;
}

/** Quotes a bid and an ask every tick; resting quotes count against the limits as if they filled. */
export function marketMaker(opts: MarketMakerOptions = {}): Bot {
  const symbol = opts.symbol ?? 'ETH/USDT:USDT';
  const size = opts.size ?? 0.8;
  const spread = (opts.spreadBps ?? 8) / 10_000;
  const ttl = opts.ttl ?? 4;
  const log = opts.log ?? (() => {});
  const name = 'market-maker';
  const quotes: Array<{ id: string; tick: number }> = [];
  let tick = 0;

  return {
    name,
    async step(exchange: Exchange) {
      tick += 1;
      // cancel quotes that have rested too long; one that filled meanwhile is simply gone
      while (quotes.length > 0 && tick - quotes[0]!.tick >= ttl) {
        const q = quotes.shift()!;
        await exchange.cancelOrder(q.id, symbol).catch((e: unknown) => {
          if (!(e instanceof ccxt.OrderNotFound)) throw e;
        });
      }
      const mark = (await exchange.fetchTicker(symbol)).last!;
      const [bid, ask] = await Promise.all([
        place(exchange, log, name, symbol, 'limit', 'buy', size, Number(exchange.priceToPrecision(symbol, mark * (1 - spread)))),
        place(exchange, log, name, symbol, 'limit', 'sell', size, Number(exchange.priceToPrecision(symbol, mark * (1 + spread)))),
      ]);
      for (const o of [bid, ask]) if (o?.id && o.status === 'open') quotes.push({ id: o.id, tick });
    },
  };
}

export interface MomentumOptions {
  symbol?: string;
  /** size of each trade, in SOL */
  size?: number;
  /** compare the price with the price this many ticks ago */
  lookback?: number;
  /** trade when it moved more than this fraction */
  threshold?: number;
  log?: Log;
}

/** Buys after a rise, sells after a fall, at market: its position drifts wherever the trend goes. */
export function momentum(opts: MomentumOptions = {}): Bot {
  const symbol = opts.symbol ?? 'SOL/USDT:USDT';
  const size = opts.size ?? 20;
  const lookback = opts.lookback ?? 3;
  const threshold = opts.threshold ?? 0.0005;
  const log = opts.log ?? (() => {});
  const name = 'momentum';
  const prices: number[] = [];

  return {
    name,
    async step(exchange: Exchange) {
      const price = (await exchange.fetchTicker(symbol)).last!;
      prices.push(price);
      if (prices.length <= lookback) return;
      const past = prices.shift()!;
      if (price > past * (1 + threshold)) await place(exchange, log, name, symbol, 'market', 'buy', size);
      else if (price < past * (1 - threshold)) await place(exchange, log, name, symbol, 'market', 'sell', size);
    },
  };
}
