import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CcxtAdapter } from '../../adapters/index.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { binanceFuturesVenue, bybitVenue, fx, makeBybit, makeExchange, resetNock } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

/** binanceusdm: BTC long 0.5 and 20000 USDT; bybit: BTC short 0.4 and 10000 USDT equity. */
function twoVenues() {
  const b = fx('binanceusdm/one-way.json');
  b.positionRisk = [b.positionRisk[0], b.positionRisk[2]]; // BTC long 0.5, the zero LTC row
  b.openOrders = [];
  binanceFuturesVenue('usdm', b);
  const y = fx('bybit/one-way.json');
  const row = y.positions['linear USDT'].result.list[0];
  Object.assign(row, { side: 'Sell', size: '0.4', avgPrice: '61000.00', positionValue: '24400', unrealisedPnl: '400' });
  y.positions['linear USDC'].result.list = [];
  y.orders['linear USDT'].result.list = [];
  y.wallet.result.list[0].coin = [y.wallet.result.list[0].coin[0]]; // USDT equity 10000 only
  bybitVenue(y, ['linear']);
  return [
    new CcxtAdapter(makeExchange('binanceusdm', { options: { fetchCurrencies: false } })),
    new CcxtAdapter(makeBybit(['linear'])),
  ];
}

describe('several venues in one guard', () => {
  it('a BTC long on binance and a BTC short on bybit net in maxAssetExposure and maxNetExposure', async () => {
    const config = { limits: { maxAssetExposure: { BTC: '10000' }, maxNetExposure: { value: '20000' } } };
    const guard = await RiskGuard.create({ config, sources: twoVenues() });
    // binance +0.5 · 60000 = +30000; bybit Sell 0.4 · 60000 = −24000
    // BTC asset = 30000 − 24000 = 6000 = net; gross = 54000; equity = 20000 + 10000 = 30000; leverage 1.8
    const r = guard.exposure();
    expect(r).toMatchObject({ equity: '30000', net: '6000', gross: '54000', leverage: '1.8', assets: { BTC: '6000' } });
    expect(r.positions).toEqual({ 'BTC/USDT:USDT': '6000' }); // one symbol, two venues: 30000 − 24000
    expect(r.holdings.map((h) => [h.account, h.instrument, h.units, h.notional])).toEqual([
      ['binanceusdm', 'BTC/USDT:USDT', '0.5', '30000'],
      ['bybit', 'BTC/USDT:USDT', '-0.4', '-24000'],
    ]);
    expect(r.limits).toEqual([
      { limit: 'maxNetExposure', threshold: '20000', value: '6000', utilisation: '0.3' },
      { limit: 'maxAssetExposure', subject: 'BTC', threshold: '10000', value: '6000', utilisation: '0.6' },
    ]);

    // more long on binance: 6000 + 60000 q ≤ 10000 → q ≤ 0.0666… → 0.066 (net would allow 0.2333…)
    const buy = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.2', account: 'binanceusdm' });
    expect([buy.action, buy.approved, buy.reasons[0]?.code, buy.reasons[0]?.limit]).toEqual(['resize', '0.066', 'ASSET_EXPOSURE', 'maxAssetExposure']);
    // more short on bybit: 6000 − 60000 q ≥ −10000 → q ≤ 0.2666… → 0.266
    const sell = guard.preview({ symbol: 'BTC/USDT:USDT', side: 'sell', type: 'market', amount: '0.5', account: 'bybit' });
    expect([sell.action, sell.approved, sell.reasons[0]?.code]).toEqual(['resize', '0.266', 'ASSET_EXPOSURE']);
    // each venue alone would see 30000 / 24000 of BTC and block both: only the aggregate lets them through
    const alone = await RiskGuard.create({ config, sources: [new CcxtAdapter(makeExchange('binanceusdm', { options: { fetchCurrencies: false } }))] });
    expect(alone.preview({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.2' }).action).toBe('block');
    await alone.close();
    await guard.close();
  });
});
