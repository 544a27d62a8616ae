import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { abs, add, dec, decField, expectArray, expectObject, expectString, isZero, price, sign, sub } from '../exact.js';
import { agreeSide, hasPrice, isInverseContract, isLinearContract, marketById } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName, StatedBalance, StatedFigure, StatedPosition } from './types.js';

/**
 * BingX perpetual futures: USDT-M (`swap`, open-api.bingx.com/openApi/swap/v2 and v3)
 * and coin-M (`cswap`, /openApi/cswap/v1) — two accounts with their own endpoints.
 *
 * What is read, every snapshot, per account the loaded markets have (USDT-M when a
 * linear contract is loaded, coin-M when an inverse one is; when the host names
 * `ctx.settleCurrencies`, only the accounts settling one of them):
 * - positions: swap/v2/user/positions and cswap/v1/user/positions;
 * - balances: swap/v3/user/balance and cswap/v1/user/balance;
 * - open orders: swap/v2/trade/openOrders and cswap/v1/trade/openOrders (BingX answers
 *   the whole list, there are no pages);
 * - prices: swap/v2/quote/premiumIndex and cswap/v1/market/premiumIndex, the mark price
 *   of every contract of the account in one call each (?symbol= for a single one).
 *
 * Traps fixed here:
 * - ccxt's fetchPositions/fetchBalance/fetchOpenOrders default to the USDT-M account:
 *   coin-M positions, balances and orders are silently missing. Here both accounts.
 * - equity: ccxt's total is `maxWithdrawAmount`, which the v3/cswap balances do not
 *   send, so it falls back to availableMargin + usedMargin — the balance without the
 *   unrealized PnL. Here `total` is the asset's `equity` (balance + unrealizedProfit).
 * - units: USDT-M `positionAmt`/`origQty` are coins (ccxt contractSize 1); coin-M
 *   `positionAmt` and `quantity` are contracts of the market's face value in USD
 *   (`minTickSize`: BTC-USD 100, others 10) — established from ccxt's own coin-M
 *   sample (SOL-USD, 1 contract, initialMargin 0.00630398 SOL at 10x and 158.63 =
 *   10 USD). A coin-M market without a face value is refused (UnsupportedHoldingError).
 * - coin-M orders send `quantity` (a number) and an empty `origQty`.
 * - side: hedge rows say LONG/SHORT and SHORT rows carry a positive positionAmt; the
 *   side comes from positionSide and ccxt must agree. One-way rows (BOTH) are refused:
 *   BingX does not document the sign of their positionAmt, and ccxt reads their side
 *   as "both" — neither long nor short.
 * Stated figures: USDT-M positions state positionValue (USDT), markPrice and
 * unrealizedProfit; coin-M positions markPrice and unrealizedProfit; every balance
 * row its equity, balance (wallet) and unrealizedProfit.
 * Not read: TWAP orders and the standard-contract (copy-trading) account.
 */
export function bingxModule(): ExchangeModule {
  return {
    name: 'bingx',
    verified: true,
    fixes: 'reads the coin-M account ccxt leaves out, equity instead of available + used, coin-M contracts of minTickSize USD, coin-M order quantity, LONG/SHORT rows (one-way BOTH refused)',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const { linear, inverse } = accounts(ctx);
      const [lin, inv] = await Promise.all([
        linear ? ex.swapV2PrivateGetUserPositions() : null,
        inverse ? ex.cswapV1PrivateGetUserPositions() : null,
      ]);
      const out: AdapterPosition[] = [];
      if (lin !== null) data(lin, 'swap/v2/user/positions').forEach((row, i) => pushPosition(ctx, out, row, `swap/v2/user/positions[${i}]`, 'linear'));
      if (inv !== null) data(inv, 'cswap/v1/user/positions').forEach((row, i) => pushPosition(ctx, out, row, `cswap/v1/user/positions[${i}]`, 'inverse'));
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const { linear, inverse } = accounts(ctx);
      const [lin, inv] = await Promise.all([
        linear ? ex.swapV3PrivateGetUserBalance() : null,
        inverse ? ex.cswapV1PrivateGetUserBalance() : null,
      ]);
      const out: AdapterBalance = {};
      if (lin !== null) data(lin, 'swap/v3/user/balance').forEach((row, i) => pushBalance(ctx, out, row, `swap/v3/user/balance[${i}]`));
      if (inv !== null) data(inv, 'cswap/v1/user/balance').forEach((row, i) => pushBalance(ctx, out, row, `cswap/v1/user/balance[${i}]`));
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const { linear, inverse } = accounts(ctx);
      const [lin, inv] = await Promise.all([
        linear ? ex.swapV2PrivateGetTradeOpenOrders() : null,
        inverse ? ex.cswapV1PrivateGetTradeOpenOrders() : null,
      ]);
      const out: AdapterOrder[] = [];
      if (lin !== null) orders(lin, 'swap/v2/trade/openOrders').forEach((row, i) => pushOrder(ctx, out, row, `swap/v2/trade/openOrders[${i}]`, 'linear'));
      if (inv !== null) orders(inv, 'cswap/v1/trade/openOrders').forEach((row, i) => pushOrder(ctx, out, row, `cswap/v1/trade/openOrders[${i}]`, 'inverse'));
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const { linear, inverse } = accounts(ctx);
      const [lin, inv] = await Promise.all([
        linear ? ex.swapV2PublicGetQuotePremiumIndex() : null,
        inverse ? ex.cswapV1PublicGetMarketPremiumIndex() : null,
      ]);
      return {
        ...(lin !== null ? marks(ctx, lin, 'swap/v2/quote/premiumIndex', isLinearContract) : {}),
        ...(inv !== null ? marks(ctx, inv, 'cswap/v1/market/premiumIndex', isInverseContract) : {}),
      };
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || m.contract !== true) continue; // spot prices are not part of the futures accounts
        const raw = m.inverse ? await ex.cswapV1PublicGetMarketPremiumIndex({ symbol: m.id }) : await ex.swapV2PublicGetQuotePremiumIndex({ symbol: m.id });
        Object.assign(out, marks(ctx, raw, `premiumIndex ${m.id}`, m.inverse ? isInverseContract : isLinearContract));
      }
      return out;
    },
  };
}

/** Which of the two accounts to read: those whose settle currencies the markets have (and the host named, when it did). */
function accounts(ctx: FetchContext): { linear: boolean; inverse: boolean } {
  const lin = new Set<string>();
  const inv = new Set<string>();
  for (const m of Object.values(ctx.markets)) {
    if (isLinearContract(m) && typeof m.settle === 'string') lin.add(m.settle);
    if (isInverseContract(m) && typeof m.settle === 'string') inv.add(m.settle);
  }
  const wanted = ctx.settleCurrencies;
  const reads = (set: Set<string>) => set.size > 0 && (wanted === null || wanted.some((c) => set.has(c)));
  return { linear: reads(lin), inverse: reads(inv) };
}

/** BingX's envelope: {"code":0,"msg":"","data":[…]} (ccxt has already thrown on a non-zero code). */
function data(resp: unknown, where: string): Record<string, any>[] {
  const r = expectObject(resp, where);
  return expectArray(r.data, `${where}.data`);
}

function orders(resp: unknown, where: string): Record<string, any>[] {
  const r = expectObject(resp, where);
  const d = expectObject(r.data, `${where}.data`);
  return expectArray(d.orders, `${where}.data.orders`);
}

function pushPosition(ctx: FetchContext, out: AdapterPosition[], row: Record<string, any>, where: string, kind: 'linear' | 'inverse'): void {
  const amt = decField(row, 'positionAmt', where)!;
  if (isZero(amt)) return;
  const market = marketById(ctx, row.symbol, kind === 'linear' ? isLinearContract : isInverseContract, where);
  const w = `${where} (${market.symbol})`;
  if (kind === 'inverse' && !(Number(market.contractSize) > 0)) {
    throw new UnsupportedHoldingError(ctx.source, `${w}: the coin-M market has no face value (minTickSize), so its contracts cannot be valued`);
  }
  const ps = expectString(row, 'positionSide', where).toUpperCase();
  let side: 'long' | 'short';
  if (ps === 'LONG') {
    if (sign(amt) < 0) throw new PayloadShapeError(`${w}: a LONG row with positionAmt ${amt}`);
    side = 'long';
  } else if (ps === 'SHORT') side = 'short';
  else if (ps === 'BOTH') {
    throw new UnsupportedHoldingError(ctx.source, `${w}: a one-way (BOTH) position; BingX does not document the sign of its positionAmt, so its side cannot be established (use hedge mode or exclude this account)`);
  } else throw new PayloadShapeError(`${w}: unknown positionSide ${JSON.stringify(row.positionSide)}`);
  agreeSide(ex(ctx).parsePosition(row, market).side, side, w);
  const stated: StatedPosition = {};
  const value = decField(row, 'positionValue', where, false);
  if (value !== null && kind === 'linear') stated.notional = { value: abs(value), field: 'positionValue', currency: market.quote };
  const mark = decField(row, 'markPrice', where, false);
  if (mark !== null) stated.markPrice = fig(mark, 'markPrice');
  const upl = decField(row, 'unrealizedProfit', where, false);
  if (upl !== null) stated.unrealizedPnl = fig(upl, 'unrealizedProfit');
  out.push({
    symbol: market.symbol,
    side,
    contracts: abs(amt),
    positionSide: side, // LONG and SHORT rows are hedge-mode holdings of their own
    markPrice: price(row.markPrice),
    entryPrice: dec(row.avgPrice),
    unrealizedPnl: upl,
    marginMode: row.isolated === true ? 'isolated' : row.isolated === false ? 'cross' : null,
    leverage: dec(row.leverage),
    stated,
    info: row,
  });
}

function pushBalance(ctx: FetchContext, out: AdapterBalance, row: Record<string, any>, where: string): void {
  const equity = decField(row, 'equity', where, false);
  const wallet = decField(row, 'balance', where, false);
  const asset = row.asset;
  if (typeof asset !== 'string' || asset === '') {
    // ccxt notes v3 rows without an asset; they are only acceptable when they hold nothing
    if (isZero(equity) && isZero(wallet)) return;
    throw new PayloadShapeError(`${where}: a balance of ${equity ?? wallet} without an asset`);
  }
  if (equity === null) throw new PayloadShapeError(`${where}: field "equity" is missing`);
  const upl = decField(row, 'unrealizedProfit', where, false);
  const code = ctx.exchange.safeCurrencyCode(asset);
  const stated: StatedBalance = { equity: fig(equity, 'equity') };
  if (wallet !== null) stated.wallet = fig(wallet, 'balance');
  if (upl !== null) stated.unrealizedPnl = fig(upl, 'unrealizedProfit');
  const free = decField(row, 'availableMargin', where, false);
  const used = decField(row, 'usedMargin', where, false);
  const prev = out[code];
  if (!prev) {
    out[code] = { total: equity, free, used, stated };
    return;
  }
  // the same coin in both accounts (USDT-M and coin-M): sums, stated as sums of the same fields
  out[code] = {
    total: add(prev.total, equity),
    free: prev.free != null && free !== null ? add(prev.free, free) : null,
    used: prev.used != null && used !== null ? add(prev.used, used) : null,
    stated: {
      equity: sum(prev.stated?.equity, stated.equity),
      wallet: sum(prev.stated?.wallet, stated.wallet),
      unrealizedPnl: sum(prev.stated?.unrealizedPnl, stated.unrealizedPnl),
    },
  };
}

function pushOrder(ctx: FetchContext, out: AdapterOrder[], row: Record<string, any>, where: string, kind: 'linear' | 'inverse'): void {
  const market = marketById(ctx, row.symbol, kind === 'linear' ? isLinearContract : isInverseContract, where);
  const o = ex(ctx).parseOrder(row, market);
  if (o.status !== 'open') return;
  // USDT-M: origQty in coins; coin-M: quantity in contracts, origQty ""
  const amount = decField(row, 'origQty', where, false) ?? decField(row, 'quantity', where)!;
  const filled = decField(row, 'executedQty', where, false) ?? '0';
  const side = String(row.side).toLowerCase();
  if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${where}: side ${JSON.stringify(row.side)}`);
  const ps = String(row.positionSide ?? '').toUpperCase();
  let positionSide: PositionSideName;
  if (ps === 'LONG') positionSide = 'long';
  else if (ps === 'SHORT') positionSide = 'short';
  else if (ps === 'BOTH' || ps === '') positionSide = 'net';
  else throw new PayloadShapeError(`${where}: unknown positionSide ${JSON.stringify(row.positionSide)}`);
  const id = row.orderId;
  if (!((typeof id === 'string' && id !== '') || typeof id === 'number')) throw new PayloadShapeError(`${where}: field "orderId" is missing`);
  out.push({
    id: String(id),
    clientOrderId: typeof row.clientOrderId === 'string' && row.clientOrderId !== '' ? row.clientOrderId : null,
    symbol: market.symbol,
    side,
    type: typeof o.type === 'string' ? o.type : 'limit',
    price: price(row.price),
    amount,
    filled,
    remaining: sub(amount, filled),
    reduceOnly: row.reduceOnly === true || row.reduceOnly === 'true',
    positionSide,
    info: row,
  });
}

function marks(ctx: FetchContext, resp: unknown, where: string, filter: (m: any) => boolean): AdapterPrices {
  const r = expectObject(resp, where);
  const rows = Array.isArray(r.data) ? expectArray(r.data, `${where}.data`) : [expectObject(r.data, `${where}.data`)];
  const out: AdapterPrices = {};
  for (const row of rows) {
    const byId = ctx.exchange.markets_by_id?.[row.symbol];
    const m = (Array.isArray(byId) ? byId : []).find(filter);
    if (!m) continue;
    const p = { mark: price(row.markPrice), last: null, bid: null, ask: null };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}

function ex(ctx: FetchContext): any {
  return ctx.exchange;
}

function fig(value: string, field: string): StatedFigure {
  return { value, field };
}

function sum(a: StatedFigure | undefined, b: StatedFigure | undefined): StatedFigure | undefined {
  if (!a || !b) return undefined; // one account does not state it: the sum would not be the exchange's figure
  return { value: add(a.value, b.value), field: a.field === b.field ? `${a.field} (USDT-M + coin-M)` : `${a.field} + ${b.field}` };
}
