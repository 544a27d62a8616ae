/**
 * Starts a simulated exchange and a real ccxt binanceusdm pointed at it, and stops
 * both after each test. No nock: the requests go over loopback HTTP.
 */
import ccxt from 'ccxt';
import { afterEach } from 'vitest';
import { startSimExchange, type SimExchange, type SimExchangeOptions } from '../../src/sim/index.js';

export const BTC = 'BTC/USDT:USDT';
export const ETH = 'ETH/USDT:USDT';
export const SOL = 'SOL/USDT:USDT';

// ccxt's TypeScript surface is wide; tests talk to it through unified and implicit methods
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Ccxt = any;

const open: SimExchange[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A sim (slippage 0 unless given, so fills are at the mark) and a ccxt client on it. */
export async function simWithCcxt(options: SimExchangeOptions = {}, ccxtExtra: Record<string, unknown> = {}): Promise<{ sim: SimExchange; ex: Ccxt }> {
  const sim = await startSimExchange({ seed: 42, slippageBps: 0, ...options });
  open.push(sim);
  const ex: Ccxt = new ccxt.binanceusdm(sim.ccxtOptions(ccxtExtra) as never);
  return { sim, ex };
}

export async function startSim(options: SimExchangeOptions = {}): Promise<SimExchange> {
  const sim = await startSimExchange(options);
  open.push(sim);
  return sim;
}

/** ccxt's error class name and Binance's error code from its message. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; code: number | undefined; error: Error }> {
  try {
    await p;
  } catch (e) {
    const error = e as Error;
    const m = /"code":(-?\d+)/.exec(error.message);
    return { name: error.constructor.name, code: m ? Number(m[1]) : undefined, error };
  }
  throw new Error('expected the call to fail, it succeeded');
}
