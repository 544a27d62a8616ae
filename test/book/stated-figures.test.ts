import { describe, expect, it } from 'vitest';
import { normalizeSnapshot, type AccountSnapshot } from '../../src/snapshot/normalize.js';

const inverse = { symbol: 'BTC/USD:BTC', base: 'BTC', quote: 'USD', settle: 'BTC', type: 'swap', contract: true, inverse: true, linear: false, contractSize: 10, precision: { amount: 1 }, limits: {} };
const linear = { symbol: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', settle: 'USDT', type: 'swap', contract: true, linear: true, inverse: false, contractSize: 0.01, precision: { amount: 1 }, limits: {} };

function snapshot(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    exchange: 'venue', timestamp: 1, markets: [inverse, linear], openOrders: [], prices: { 'BTC/USD:BTC': { mark: '50000' }, 'ETH/USDT:USDT': { mark: '3000' } },
    positions: [
      // 100 contracts of 10 USD = 1000 USD = 0.02 BTC at 50000
      { symbol: 'BTC/USD:BTC', side: 'short', contracts: '100', stated: { notional: { value: '1000', field: 'size', currency: 'USD' }, markPrice: { value: '50010', field: 'mark_price' }, unrealizedPnl: { value: '-0.001', field: 'floating_profit_loss' } } },
      // 20 contracts of 0.01 ETH = 0.2 ETH = 600 USDT
      { symbol: 'ETH/USDT:USDT', side: 'long', contracts: '20', stated: { notional: { value: '600.06', field: 'positionValue', currency: 'USDT' }, markPrice: { value: '3000.3', field: 'markPrice' }, unrealizedPnl: { value: '12.5', field: 'unrealisedPnl' } } },
    ],
    balance: {
      BTC: { total: '0.999', stated: { equity: { value: '0.999', field: 'equity' }, wallet: { value: '1', field: 'balance' } } },
      USDT: { total: '1012.5', stated: { wallet: { value: '1000', field: 'walletBalance' } } },
    },
    ...over,
  };
}

describe('self-verification of the figures an exchange states', () => {
  it('agreeing figures (within the exchange rounding and a moment of price drift) give no mismatch', () => {
    expect(normalizeSnapshot(snapshot()).mismatches).toEqual([]);
  });

  it('a position read at ten times its size (the Deribit trap) is caught with both numbers and the field', () => {
    const s = snapshot();
    s.positions[0]!['contracts'] = '1000';
    expect(normalizeSnapshot(s).mismatches).toEqual([{
      subject: 'BTC/USD:BTC short on venue', figure: 'notional', field: 'size', stated: '1000', computed: '10000',
      basis: 'contracts 1000 × contract size 10 USD', tolerance: '0.001',
    }]);
  });

  it('a value in coins is compared in coins; a currency the market does not have is a mismatch', () => {
    const s = snapshot();
    s.positions[0]!['stated'] = { notional: { value: '0.02', field: 'size_currency', currency: 'BTC' }, markPrice: { value: '50000', field: 'mark_price' } };
    expect(normalizeSnapshot(s).mismatches).toEqual([]);
    s.positions[0]!['stated'] = { notional: { value: '0.2', field: 'size_currency', currency: 'BTC' } };
    expect(normalizeSnapshot(s).mismatches.map((m) => [m.figure, m.stated, m.computed])).toEqual([['notional', '0.2', '0.02']]);
    s.positions[0]!['stated'] = { notional: { value: '1000', field: 'size', currency: 'EUR' } };
    expect(normalizeSnapshot(s).mismatches.map((m) => [m.figure, m.computed])).toEqual([['notional', 'n/a']]);
  });

  it('an equity without unrealized PnL (the Gate trap) is caught against the wallet plus the positions\' PnL', () => {
    const s = snapshot();
    (s.balance as any).USDT.total = '1000';
    expect(normalizeSnapshot(s).mismatches).toEqual([{
      subject: 'USDT balance on venue', figure: 'equity', field: "walletBalance + positions' unrealized PnL", stated: '1012.5', computed: '1000',
      basis: 'the total the guard counts as equity', tolerance: '0.0001',
    }]);
  });

  it('a stated equity, or wallet plus stated PnL, must match the total; a price far from the stated mark is caught', () => {
    const s = snapshot();
    (s.balance as any).BTC.total = '1.2';
    (s.balance as any).USDT.stated = { wallet: { value: '1000', field: 'cross_wallet' }, unrealizedPnl: { value: '0', field: 'unrealised_pnl' } };
    s.prices['ETH/USDT:USDT'] = { mark: '3100' };
    expect(normalizeSnapshot(s).mismatches.map((m) => `${m.subject}: ${m.figure} ${m.field}`)).toEqual([
      'ETH/USDT:USDT long on venue: markPrice markPrice',
      'BTC balance on venue: equity equity',
      "BTC balance on venue: equity balance + positions' unrealized PnL",
      'USDT balance on venue: equity cross_wallet + unrealised_pnl',
    ]);
  });

  it('a stated figure that is not a decimal with its field makes the snapshot unusable', () => {
    const s = snapshot();
    s.positions[1]!['stated'] = { notional: { value: 'abc', field: 'positionValue', currency: 'USDT' } };
    expect(() => normalizeSnapshot(s)).toThrow(/stated.notional must be/);
  });
});
