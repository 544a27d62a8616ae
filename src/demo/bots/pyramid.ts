/**
 * Bot 1 — a pyramiding trend follower that never knows when to stop.
 *
 * Every tick the price makes a new high it buys again, each clip bigger than the
 * last, and it only sells when the price falls `stopPct` below the high since it
 * entered. On its own it would grow the BTC position without bound; the guard
 * resizes the add that would cross a limit to exactly what is left under it and
 * blocks the adds after that. Once, at tick `fatFingerAt`, it sends 100 BTC where
 * it meant 1.00 — the guard cuts it to the order-size limit.
 *
 * Run on its own against the simulated exchange: npx tsx strategies-example/pyramid.ts
 */
import { place, positionOf, type Bot, type Exchange, type Log } from './bot.js';

export interface PyramidOptions {
  symbol?: string;
  /** size of the first clip, in BTC; the n-th add is n clips */
  clip?: number;
  /** sell everything when the price is this fraction below the high since entry */
  stopPct?: number;
  /** the tick at which the bot fat-fingers 100 BTC (0 = never) */
  fatFingerAt?: number;
  log?: Log;
}

export function pyramid(opts: PyramidOptions = {}): Bot {
  const symbol = opts.symbol ?? 'BTC/USDT:USDT';
  const clip = opts.clip ?? 0.01;
  const stopPct = opts.stopPct ?? 0.004;
  const log = opts.log ?? (() => {});
  const name = 'pyramid';
  let tick = 0;
  let adds = 0;
  let high = 0;
  let stopped = false;

  return {
    name,
    async step(exchange: Exchange) {
      tick += 1;
      const price = (await exchange.fetchTicker(symbol)).last!;
      const held = await positionOf(exchange, symbol);

      if (tick === opts.fatFingerAt) {
        await place(exchange, log, name, symbol, 'market', 'buy', 100); // meant 1.00
        return;
      }
      if (held > 0 && (stopped || price < high * (1 - stopPct))) {
        // stopped out: sell until flat, over as many ticks as the limits need (the order-size
        // limit cuts a big sell short; under the examples' strict config, account net does too)
        stopped = true;
        await place(exchange, log, name, symbol, 'market', 'sell', held);
        return;
      }
      if (held <= 0) {
        stopped = false;
        adds = 0;
        high = 0;
      }
      if (price > high) {
        adds += 1;
        high = price;
        await place(exchange, log, name, symbol, 'market', 'buy', Number((clip * adds).toFixed(3)));
      }
    },
  };
}
