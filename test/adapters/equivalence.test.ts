import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter } from '../../adapters/index.js';
import type { AccountSnapshot } from '../../src/snapshot/normalize.js';
import type { Decision } from '../../src/guard/decision.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { binanceFuturesVenue, fx, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

const config = {
  limits: {
    maxNetExposure: { value: '36000' },
    maxAssetExposure: { BTC: '40000' },
    maxLeverage: '3',
    priceBandBps: '200',
    maxOrderNotional: '20000',
  },
};

const intents = [
  { symbol: 'BTC/USDT:USDT', side: 'sell', type: 'market', amount: '0.1' },                       // reduces the long: allow
  { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.2' },                        // BTC 36000 + 12000 > 40000: resize to 0.066
  { symbol: 'ETH/USDT:USDT', side: 'buy', type: 'limit', amount: '1', price: '3500' },            // 1666 bps from the mark: PRICE_BAND
  // more ETH short: gross in its worst case counts BTC with its pending buy (36000), and equity loses every
  // pending order's fee (the BTC limit buy's 0.1 · 60000 · maker 0.0002 = 1.2) and this one's: a sell at the
  // mark takes, 3000 · taker 0.0005 = 1.5 a unit: 48000 + 3000 q ≤ 3 · (20000 − 1.2 − 1.5 q)
  //   → q ≤ 11996.4 / 3004.5 = 3.9928… → 3.992 (LEVERAGE binds before ORDER_NOTIONAL's 6.666)
  { symbol: 'ETH/USDT:USDT', side: 'sell', type: 'limit', amount: '10', price: '3000' },
  { symbol: 'DOGE/USDT:USDT', side: 'buy', type: 'market', amount: '100' },                       // not a market here: UNKNOWN_SYMBOL
  { symbol: 'ETH/USDT:USDT', side: 'buy', type: 'market', amount: '2' },                          // reduces the ETH short: allow
];

const strip = (d: Decision) => {
  const { id: _id, ...rest } = d;
  return rest;
};

describe('a guard on a mocked Binance account decides exactly as the same snapshot offline', () => {
  it('allows, resizes and blocks the same orders with the same numbers, in preview and in a check sequence', async () => {
    binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const adapter = new CcxtAdapter(makeExchange('binanceusdm', { options: { fetchCurrencies: false } }));
    const live = await RiskGuard.create({ config, sources: [adapter] });
    // the snapshot as `risk-guard snapshot` writes it: JSON, read back
    const snapshot = JSON.parse(JSON.stringify(await adapter.fetchSnapshot())) as AccountSnapshot;
    const offline = await RiskGuard.create({ config, sources: [snapshot] });

    // the same report but for when each read happened
    const undated = (g: RiskGuard) => ({ ...g.exposure(), asOf: '', pending: g.exposure().pending.map((p) => ({ ...p, since: '' })) });
    expect(undated(offline)).toEqual(undated(live));

    const previews = intents.map((i) => strip(live.preview(i)));
    expect(previews.map((d) => [d.action, d.approved, d.reasons[0]?.code ?? null])).toEqual([
      ['allow', '0.1', null],
      ['resize', '0.066', 'ASSET_EXPOSURE'],
      ['block', '0', 'PRICE_BAND'],
      ['resize', '3.992', 'LEVERAGE'],
      ['block', '0', 'UNKNOWN_SYMBOL'],
      ['allow', '2', null],
    ]);
    expect(intents.map((i) => strip(offline.preview(i)))).toEqual(previews);

    // checks reserve what they approve, so each order sees the ones before it
    const liveChecks: ReturnType<typeof strip>[] = [];
    const offlineChecks: ReturnType<typeof strip>[] = [];
    for (const i of intents) {
      liveChecks.push(strip(await live.check(i)));
      offlineChecks.push(strip(await offline.check(i)));
    }
    expect(offlineChecks).toEqual(liveChecks);
    expect(liveChecks[1]).toMatchObject({ action: 'resize', approved: '0.066' });
    await live.close();
    await offline.close();
  });
});
