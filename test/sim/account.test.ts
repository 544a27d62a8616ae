import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { BTC, ETH, SOL, failure, simWithCcxt, startSim, type Ccxt } from './harness.js';

describe('sim: markets, balance and prices through real ccxt', () => {
  it('loadMarkets needs only fapi/v1/exchangeInfo and yields Binance precision and limits', async () => {
    const { sim, ex } = await simWithCcxt();
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual([BTC, ETH, SOL]);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /fapi/v1/exchangeInfo']);
    const btc = markets[BTC];
    expect(btc).toMatchObject({
      id: 'BTCUSDT', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'swap', linear: true, contract: true, contractSize: 1, active: true,
      precision: { amount: 0.001, price: 0.1 },
      limits: { amount: { min: 0.001, max: 1000 }, market: { min: 0.001, max: 120 }, cost: { min: 100 }, price: { min: 556.8, max: 4529764 } },
      taker: 0.0005, maker: 0.0002,
    });
    expect(markets[SOL]).toMatchObject({ precision: { amount: 1, price: 0.01 }, limits: { amount: { min: 1 }, cost: { min: 5 } } });
  });

  it('custom instruments: a known symbol can change one field, a new one needs a price', async () => {
    const { ex } = await simWithCcxt({
      instruments: [{ symbol: 'BTCUSDT', price: '50000' }, { symbol: 'DOGEUSDT', price: '0.15', tickSize: '0.00001', stepSize: '1', minNotional: '5' }],
    });
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual([BTC, 'DOGE/USDT:USDT']);
    expect(markets['DOGE/USDT:USDT']).toMatchObject({ base: 'DOGE', precision: { amount: 1, price: 0.00001 } });
    expect((await ex.fetchMarkPrice(BTC)).markPrice).toBe(50000);
    await expect(startSim({ instruments: [{ symbol: 'XYZUSDT' }] })).rejects.toThrow(/price is required/);
  });

  it('fetchBalance reads fapi/v3/account: free, used and total of every configured asset', async () => {
    const { sim, ex } = await simWithCcxt({ balances: { USDT: '10000', USDC: '250.5' } });
    const b = await ex.fetchBalance();
    expect(b.USDT).toEqual({ free: 10000, used: 0, total: 10000 });
    expect(b.USDC).toEqual({ free: 250.5, used: 0, total: 250.5 });
    expect(sim.requests.filter((r) => r.path === '/fapi/v3/account')).toHaveLength(1);
  });

  it('a market buy fills at the mark; position, uPnL and balance follow the mark exactly', async () => {
    const { sim, ex } = await simWithCcxt();
    const order = await ex.createOrder(BTC, 'market', 'buy', 0.1);
    expect(order).toMatchObject({ status: 'closed', filled: 0.1, remaining: 0, average: 60000, cost: 6000, side: 'buy', type: 'market' });
    expect(order.info.status).toBe('FILLED');

    sim.setMark(BTC, '61000');
    const [pos] = await ex.fetchPositions();
    expect(pos).toMatchObject({ symbol: BTC, side: 'long', contracts: 0.1, contractSize: 1, entryPrice: 60000, markPrice: 61000, notional: 6100, unrealizedPnl: 100, hedged: false, marginMode: 'cross', initialMargin: 610 });
    // wallet 10000 − taker fee 6000 × 0.0005 = 9997; total = wallet + uPnL; used = 6100 / 10x
    const b = await ex.fetchBalance();
    expect(b.USDT).toEqual({ total: 10097, used: 610, free: 9487 });
    expect(sim.state().balances['USDT']).toMatchObject({ wallet: '9997', unrealizedPnl: '100', marginBalance: '10097', initialMargin: '610', available: '9487' });
  });

  it('adding averages the entry, a flip realizes PnL at the old entry and opens the rest at the fill price', async () => {
    const { sim, ex } = await simWithCcxt();
    await ex.createOrder(BTC, 'market', 'buy', 0.1); // fee 3
    sim.setMark(BTC, '61000');
    await ex.createOrder(BTC, 'market', 'buy', 0.1); // fee 3.05, entry (60000 + 61000) / 2
    expect(sim.state().positions).toEqual([expect.objectContaining({ amount: '0.2', entryPrice: '60500' })]);
    await ex.createOrder(BTC, 'market', 'sell', 0.3); // realizes 0.2 × 500 = 100, fee 9.15, short 0.1 @ 61000
    sim.setMark(BTC, '60000');
    const [pos] = await ex.fetchPositions([BTC]);
    expect(pos).toMatchObject({ side: 'short', contracts: 0.1, entryPrice: 61000, notional: 6000, unrealizedPnl: 100 });
    // 10000 − 3 − 3.05 + 100 − 9.15 = 10084.8, plus uPnL 100
    expect(sim.state().balances['USDT']).toMatchObject({ wallet: '10084.8', marginBalance: '10184.8' });
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.map((t: Ccxt) => [t.side, t.amount, t.price, t.fee.cost, t.takerOrMaker])).toEqual([
      ['buy', 0.1, 60000, 3, 'taker'], ['buy', 0.1, 61000, 3.05, 'taker'], ['sell', 0.3, 61000, 9.15, 'taker'],
    ]);
    expect(trades.map((t: Ccxt) => t.info.realizedPnl)).toEqual(['0.00000000', '0.00000000', '100.00000000']);
  });

  it('market orders pay the configured slippage, rounded to the tick against the taker', async () => {
    const { ex } = await simWithCcxt({ slippageBps: '10', instruments: [{ symbol: 'ETHUSDT', price: '3000.01' }] });
    const buy = await ex.createOrder(ETH, 'market', 'buy', 1);
    const sell = await ex.createOrder(ETH, 'market', 'sell', 1);
    expect(buy.average).toBe(3003.02); // 3000.01 × 1.001 = 3003.01001 → up to the tick
    expect(sell.average).toBe(2997.0); // 3000.01 × 0.999 = 2997.00999 → down to the tick
    const book = await ex.fetchOrderBook(ETH);
    expect([book.bids[0][0], book.asks[0][0]]).toEqual([2997, 3003.02]);
  });

  it('mark prices, tickers, server time and position mode parse into unified values', async () => {
    const { sim, ex } = await simWithCcxt();
    sim.setMark(ETH, '3100.5');
    const marks = await ex.fetchMarkPrices();
    expect(marks[ETH]).toMatchObject({ symbol: ETH, markPrice: 3100.5, indexPrice: 3100.5 });
    expect((await ex.fetchMarkPrice(BTC)).markPrice).toBe(60000);
    const ticker = await ex.fetchTicker(ETH);
    expect(ticker).toMatchObject({ symbol: ETH, last: 3100.5, open: 3000, high: 3100.5, low: 3000 });
    const tickers = await ex.fetchTickers([BTC, SOL]);
    expect(Object.keys(tickers).sort()).toEqual([BTC, SOL]);
    expect(typeof (await ex.fetchTime())).toBe('number');
    expect((await ex.fetchPositionMode()).hedged).toBe(false);
    expect(sim.requests.every((r) => r.served)).toBe(true);
  });

  it('leverage brackets feed ccxt’s position maths; setLeverage changes the margin', async () => {
    const { ex } = await simWithCcxt();
    const tiers = await ex.fetchLeverageTiers([BTC]);
    expect(tiers[BTC][0]).toMatchObject({ minNotional: 0, maxNotional: 50000, maintenanceMarginRate: 0.004, maxLeverage: 125 });
    await ex.createOrder(BTC, 'market', 'buy', 1);
    let [pos] = await ex.fetchPositions();
    expect(pos).toMatchObject({ notional: 60000, maintenanceMarginPercentage: 0.005, initialMargin: 6000 });
    expect(await ex.setLeverage(20, BTC)).toMatchObject({ leverage: 20, symbol: 'BTCUSDT' });
    [pos] = await ex.fetchPositions();
    expect(pos.initialMargin).toBe(3000);
    expect((await ex.fetchLeverages([BTC]))[BTC]).toMatchObject({ longLeverage: 20, shortLeverage: 20, marginMode: 'cross' });
    expect((await ex.fetchBalance()).USDT.used).toBe(3000);
  });

  it('raw responses keep Binance’s exact field sets and string decimals', async () => {
    const { ex } = await simWithCcxt();
    await ex.createOrder(BTC, 'market', 'buy', 0.01);
    const [row] = await ex.fapiPrivateV3GetPositionRisk();
    expect(Object.keys(row)).toEqual(['symbol', 'positionSide', 'positionAmt', 'entryPrice', 'breakEvenPrice', 'markPrice', 'unRealizedProfit',
      'liquidationPrice', 'isolatedMargin', 'notional', 'marginAsset', 'isolatedWallet', 'initialMargin', 'maintMargin', 'positionInitialMargin',
      'openOrderInitialMargin', 'adl', 'bidNotional', 'askNotional', 'updateTime']);
    expect(row).toMatchObject({ symbol: 'BTCUSDT', positionSide: 'BOTH', positionAmt: '0.010', entryPrice: '60000', markPrice: '60000.00000000', notional: '600.00000000', unRealizedProfit: '0.00000000' });
    const account = await ex.fapiPrivateV3GetAccount();
    expect(account.assets[0]).toMatchObject({ asset: 'USDT', walletBalance: '9999.70000000', initialMargin: '60.00000000', availableBalance: '9939.70000000' });
    expect(account.positions[0]).toMatchObject({ symbol: 'BTCUSDT', positionAmt: '0.010', notional: '600.00000000' });
    const [order] = await ex.fapiPrivateGetAllOrders({ symbol: 'BTCUSDT' });
    expect(order).toMatchObject({ status: 'FILLED', type: 'MARKET', price: '0.0', avgPrice: '60000.00000', origQty: '0.010', executedQty: '0.010', cumQuote: '600.00000', positionSide: 'BOTH' });
    expect(typeof order.orderId).toBe('number');
    expect(typeof order.time).toBe('number');
  });

  it('attach() points an existing instance at the sim: every API family, never the real host', async () => {
    const { sim } = await simWithCcxt();
    const ex: Ccxt = sim.attach(new ccxt.binanceusdm({ enableRateLimit: false }) as never);
    for (const url of Object.values(ex.urls.api)) expect(String(url).startsWith(sim.url)).toBe(true);
    expect((await ex.fetchBalance()).USDT.total).toBe(10000);
    expect(sim.requests.map((r) => r.path)).toEqual(['/fapi/v1/exchangeInfo', '/fapi/v3/account']);
    // Binance's fapi error table applies although the URL is not fapi.binance.com
    expect(await failure(ex.createOrder(BTC, 'market', 'buy', 100))).toMatchObject({ name: 'InsufficientFunds', code: -2019 });
  });

  it('sim.ccxt() is a ready client; fetchMyTrades can filter by order id', async () => {
    const sim = await startSim({ slippageBps: 0 });
    const ex: Ccxt = sim.ccxt();
    const a = await ex.createOrder(BTC, 'market', 'buy', 0.01);
    await ex.createOrder(BTC, 'market', 'buy', 0.02);
    const trades = await ex.fetchMyTrades(BTC, undefined, undefined, { orderId: a.id });
    expect(trades.map((t: Ccxt) => [t.order, t.amount])).toEqual([[a.id, 0.01]]);
  });

  it('requests are logged with their parameters but never the signature or the API key', async () => {
    const { sim, ex } = await simWithCcxt({}, { apiKey: 'KEY-1234567890', secret: 'SECRET-abcdef' });
    await ex.createOrder(BTC, 'limit', 'buy', 0.01, 59000, { clientOrderId: 'abc-1' });
    const post = sim.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({ path: '/fapi/v1/order', status: 200, served: true, params: { symbol: 'BTCUSDT', newClientOrderId: 'abc-1', price: '59000', quantity: '0.01' } });
    expect(post!.params['signature']).toBeUndefined();
    const logged = JSON.stringify(sim.requests);
    expect(logged).not.toContain('KEY-1234567890');
    expect(logged).not.toContain('SECRET-abcdef');
    sim.clearRequests();
    expect(sim.requests).toHaveLength(0);
  });

  it('a route the sim does not serve answers 404 in Binance’s error format and is logged as unserved', async () => {
    const sim = await startSim();
    const res = await fetch(`${sim.url}/sapi/v1/capital/config/getall`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: -1121 });
    expect(sim.requests).toEqual([expect.objectContaining({ path: '/sapi/v1/capital/config/getall', served: false, status: 404 })]);
  });
});
