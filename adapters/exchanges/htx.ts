import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { add, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { agreeSide, isInverseContract, isLinearContract, marketById, paginate } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName, StatedBalance, StatedFigure, StatedPosition } from './types.js';

const isInverseSwap = (m: any) => isInverseContract(m) && m.swap === true;
const isInverseFuture = (m: any) => isInverseContract(m) && m.future === true;

/**
 * HTX (Huobi) derivatives on api.hbdm.vn: USDT-margined contracts through the v5 API
 * (the one ccxt 4.5.84 uses for linear; cross and isolated positions alike) and
 * coin-margined swaps through swap-api v1 — two accounts with their own endpoints.
 *
 * What is read, every snapshot, per account the loaded markets have (and, when the host
 * names `ctx.settleCurrencies`, only accounts settling one of them):
 * - USDT-M: GET v5/trade/position/opens, GET v5/account/balance, GET v5/trade/order/opens
 *   (pages of 100: from = the last row's id, direct = next, until a page is not full);
 * - coin-M swaps: POST swap-api/v1/swap_position_info, swap_account_info and
 *   swap_openorders (page_index 1…total_page, 50 a page);
 * - coin-M delivery futures (when such markets are loaded): POST api/v1/contract_position_info,
 *   only to refuse the account if it holds one (see below);
 * - prices: the mark price (close of the latest 1-minute mark-price kline:
 *   index/market/history/linear_swap_mark_price_kline, swap_mark_price_kline) of every
 *   symbol the account relied on before, one request each — HTX has no mark-price list.
 *   USDT-M position rows carry their own `mark_price`, which values them until then.
 *
 * Traps fixed here:
 * - ccxt's fetchPositions/fetchOpenOrders/fetchBalance default to USDT-M: coin-M swap
 *   positions, balances and orders are silently missing. Here both accounts.
 * - coin-M equity: ccxt's total is margin_available + margin_frozen, which leaves out
 *   the margin held by positions and the unrealized PnL. Here `total` is
 *   `margin_balance` (= margin_static + profit_unreal), stated with its parts.
 * - `volume` counts contracts: USDT-M of `contract_size` coins (BTC-USDT 0.001 BTC),
 *   coin-M of `contract_size` USD (BTC-USD 100, others 10).
 * - ccxt's position notional is valued at `last_price` (and for coin-M in coins); the
 *   book values contracts · contract size at the mark.
 * - coin-M orders: `offset` close + `direction` buy is a buy that closes a short; ccxt
 *   drops the offset, so a closing order looks like an opening one. Here open/close
 *   and direction give the position side (hedge) and reduce-only.
 * - one-way mode (USDT-M): position_side "both" with the side in `direction`; hedge mode:
 *   position_side long/short, which `direction` must agree with.
 * - open orders are paged on both APIs; ccxt reads one page. Here every page (hard cap).
 * - envelopes: v5 answers {"code":200,…} and v1 {"status":"ok",…}; any other code is
 *   refused (ccxt raises only the codes it knows).
 * Refused: coin-M delivery futures positions (UnsupportedHoldingError) — their account
 * and orders are not read. Not read: trigger/TP-SL/trailing orders (v5/algo/order/opens,
 * swap_trigger_openorders…), kept apart by HTX.
 * Stated figures: USDT-M positions state mark_price and profit_unreal, USDT-M balances
 * equity and profit_unreal (v5 states no wallet figure); coin-M positions state
 * profit_unreal, coin-M balances margin_balance, margin_static and profit_unreal.
 */
export function htxModule(): ExchangeModule {
  return {
    name: 'htx',
    verified: true,
    fixes: 'reads the coin-M swap account ccxt leaves out, coin-M equity margin_balance instead of available + frozen, volume in contracts, offset close orders, one-way "both" rows, open orders paged to the end, coin-M delivery futures refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const a = accounts(ctx);
      const [lin, inv, fut] = await Promise.all([
        a.linear ? ex.contractPrivateGetV5TradePositionOpens() : null,
        a.inverseSwap ? ex.contractPrivatePostSwapApiV1SwapPositionInfo() : null,
        a.inverseFuture ? ex.contractPrivatePostApiV1ContractPositionInfo() : null,
      ]);
      const out: AdapterPosition[] = [];
      if (lin !== null) v5(lin, 'v5/trade/position/opens').forEach((row, i) => pushLinearPosition(ctx, out, row, `v5/trade/position/opens[${i}]`));
      if (inv !== null) v1List(inv, 'swap_position_info').forEach((row, i) => pushInversePosition(ctx, out, row, `swap_position_info[${i}]`));
      if (fut !== null) {
        v1List(fut, 'contract_position_info').forEach((row, i) => {
          const where = `contract_position_info[${i}]`;
          if (isZero(decField(row, 'volume', where)!)) return;
          throw new UnsupportedHoldingError(ctx.source, `${where}: a coin-M delivery futures position in ${String(row.contract_code)} (risk-guard reads HTX USDT-M contracts and coin-M swaps; close it or exclude this account)`);
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const a = accounts(ctx);
      const [lin, inv] = await Promise.all([
        a.linear ? ex.contractPrivateGetV5AccountBalance() : null,
        a.inverseSwap ? ex.contractPrivatePostSwapApiV1SwapAccountInfo() : null,
      ]);
      const out: AdapterBalance = {};
      if (lin !== null) {
        const d = expectObject(v5Data(lin, 'v5/account/balance'), 'v5/account/balance.data');
        expectArray(d.details, 'v5/account/balance.data.details').forEach((row, i) => {
          const where = `v5/account/balance.data.details[${i}]`;
          const id = expectString(row, 'currency', where);
          const equity = decField(row, 'equity', where)!;
          const upl = decField(row, 'profit_unreal', where, false);
          if (isZero(equity) && isZero(upl)) return;
          const stated: StatedBalance = { equity: fig(equity, 'equity') };
          if (upl !== null) stated.unrealizedPnl = fig(upl, 'profit_unreal');
          merge(out, ex.safeCurrencyCode(id), { total: equity, free: decField(row, 'available_margin', where, false) ?? decField(row, 'available', where, false), used: decField(row, 'initial_margin', where, false), stated });
        });
      }
      if (inv !== null) {
        v1List(inv, 'swap_account_info').forEach((row, i) => {
          const where = `swap_account_info[${i}]`;
          const id = expectString(row, 'symbol', where);
          const equity = decField(row, 'margin_balance', where)!; // margin_static + profit_unreal
          const wallet = decField(row, 'margin_static', where, false);
          const upl = decField(row, 'profit_unreal', where, false);
          if (isZero(equity) && isZero(wallet)) return;
          const stated: StatedBalance = { equity: fig(equity, 'margin_balance') };
          if (wallet !== null) stated.wallet = fig(wallet, 'margin_static');
          if (upl !== null) stated.unrealizedPnl = fig(upl, 'profit_unreal');
          const position = decField(row, 'margin_position', where, false);
          const frozen = decField(row, 'margin_frozen', where, false);
          merge(out, ex.safeCurrencyCode(id), {
            total: equity,
            free: decField(row, 'margin_available', where, false),
            used: position !== null && frozen !== null ? add(position, frozen) : position ?? frozen,
            stated,
          });
        });
      }
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const a = accounts(ctx);
      const [lin, inv] = await Promise.all([
        a.linear ? linearOrderPages(ex) : null,
        a.inverseSwap ? inverseOrderPages(ex) : null,
      ]);
      const out: AdapterOrder[] = [];
      lin?.forEach((row, i) => pushLinearOrder(ctx, out, row, `v5/trade/order/opens[${i}]`));
      inv?.forEach((row, i) => pushInverseOrder(ctx, out, row, `swap_openorders[${i}]`));
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext, hint: string[]): Promise<AdapterPrices> {
      return markPrices(ctx, hint);
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      return markPrices(ctx, symbols);
    },
  };
}

interface Accounts { linear: boolean; inverseSwap: boolean; inverseFuture: boolean }

/** Which accounts to read: those whose settle currencies the loaded markets have (and the host named, when it did). */
function accounts(ctx: FetchContext): Accounts {
  const settles = (filter: (m: any) => boolean) => {
    const s = new Set<string>();
    for (const m of Object.values(ctx.markets)) if (filter(m) && typeof m.settle === 'string') s.add(m.settle);
    return s;
  };
  const wanted = ctx.settleCurrencies;
  const reads = (set: Set<string>) => set.size > 0 && (wanted === null || wanted.some((c) => set.has(c)));
  return { linear: reads(settles(isLinearContract)), inverseSwap: reads(settles(isInverseSwap)), inverseFuture: reads(settles(isInverseFuture)) };
}

/** v5 envelope: {"code":200,"message":"Success","data":…}; ccxt raises only the error codes it knows. */
function v5Data(resp: unknown, where: string): unknown {
  const r = expectObject(resp, where);
  if (String(r.code) !== '200') throw new PayloadShapeError(`${where}: code ${JSON.stringify(r.code)} ${JSON.stringify(r.message ?? '')}`);
  return r.data;
}

function v5(resp: unknown, where: string): Record<string, any>[] {
  return expectArray(v5Data(resp, where), `${where}.data`);
}

/** v1 envelope: {"status":"ok","data":…} (ccxt raises on "error"). */
function v1Data(resp: unknown, where: string): unknown {
  const r = expectObject(resp, where);
  if (r.status !== 'ok') throw new PayloadShapeError(`${where}: status ${JSON.stringify(r.status)}`);
  return r.data;
}

function v1List(resp: unknown, where: string): Record<string, any>[] {
  return expectArray(v1Data(resp, where), `${where}.data`);
}

function directionSide(row: Record<string, any>, where: string): 'long' | 'short' {
  const d = row.direction;
  if (d === 'buy') return 'long';
  if (d === 'sell') return 'short';
  throw new PayloadShapeError(`${where}: unknown direction ${JSON.stringify(d)}`);
}

function pushLinearPosition(ctx: FetchContext, out: AdapterPosition[], row: Record<string, any>, where: string): void {
  const vol = decField(row, 'volume', where)!;
  if (isZero(vol)) return;
  if (vol.startsWith('-')) throw new PayloadShapeError(`${where}: volume ${vol} is negative; HTX sends magnitudes`);
  const market = marketById(ctx, row.contract_code, isLinearContract, where);
  const w = `${where} (${market.symbol})`;
  const byDirection = directionSide(row, w);
  const ps = row.position_side;
  let positionSide: PositionSideName;
  if (ps === 'long' || ps === 'short') {
    if (ps !== byDirection) throw new PayloadShapeError(`${w}: position_side ${ps} with direction ${String(row.direction)}`);
    positionSide = ps;
  } else if (ps === 'both') positionSide = 'net';
  else throw new PayloadShapeError(`${w}: unknown position_side ${JSON.stringify(ps)}`);
  agreeSide(ctx.exchange.parsePosition(row, market).side, byDirection, w);
  const stated: StatedPosition = {};
  const mark = decField(row, 'mark_price', where, false);
  if (mark !== null) stated.markPrice = fig(mark, 'mark_price');
  const upl = decField(row, 'profit_unreal', where, false);
  if (upl !== null) stated.unrealizedPnl = fig(upl, 'profit_unreal');
  out.push({
    symbol: market.symbol,
    side: byDirection,
    contracts: vol,
    positionSide,
    markPrice: price(row.mark_price),
    entryPrice: dec(row.open_avg_price),
    unrealizedPnl: upl,
    marginMode: typeof row.margin_mode === 'string' ? row.margin_mode : null,
    leverage: dec(row.lever_rate),
    stated,
    info: row,
  });
}

function pushInversePosition(ctx: FetchContext, out: AdapterPosition[], row: Record<string, any>, where: string): void {
  const vol = decField(row, 'volume', where)!;
  if (isZero(vol)) return;
  if (vol.startsWith('-')) throw new PayloadShapeError(`${where}: volume ${vol} is negative; HTX sends magnitudes`);
  const market = marketById(ctx, row.contract_code, isInverseSwap, where);
  const w = `${where} (${market.symbol})`;
  if (!(Number(market.contractSize) > 0)) throw new UnsupportedHoldingError(ctx.source, `${w}: the market states no contract_size, so its contracts cannot be valued`);
  const side = directionSide(row, w);
  agreeSide(ctx.exchange.parsePosition(row, market).side, side, w);
  const stated: StatedPosition = {};
  const upl = decField(row, 'profit_unreal', where, false);
  if (upl !== null) stated.unrealizedPnl = fig(upl, 'profit_unreal');
  out.push({
    symbol: market.symbol,
    side,
    contracts: vol,
    positionSide: side, // coin-M swaps hold a buy and a sell position per contract: hedge rows
    markPrice: null, // the row has last_price only; the mark comes from the mark-price kline
    entryPrice: dec(row.cost_open),
    unrealizedPnl: upl,
    marginMode: null,
    leverage: dec(row.lever_rate),
    stated,
    info: row,
  });
}

async function linearOrderPages(ex: any): Promise<Record<string, any>[]> {
  const where = 'v5/trade/order/opens';
  const LIMIT = 100;
  return paginate(async (from) => {
    const rows = v5(await ex.contractPrivateGetV5TradeOrderOpens({ limit: LIMIT, direct: 'next', ...(from ? { from } : {}) }), where);
    const last = rows[rows.length - 1];
    const next = rows.length >= LIMIT ? String(last?.id ?? '') : undefined;
    if (next === '') throw new PayloadShapeError(`${where}: a full page whose last row has no id to continue from`);
    return { rows, next };
  }, where);
}

async function inverseOrderPages(ex: any): Promise<Record<string, any>[]> {
  const where = 'swap_openorders';
  let index = 1;
  return paginate(async () => {
    const d = expectObject(v1Data(await ex.contractPrivatePostSwapApiV1SwapOpenorders({ page_index: index, page_size: 50 }), where), `${where}.data`);
    const rows = expectArray(d.orders, `${where}.data.orders`);
    const total = Number(d.total_page);
    const current = Number(d.current_page);
    if (!Number.isInteger(total) || !Number.isInteger(current)) throw new PayloadShapeError(`${where}: total_page/current_page missing`);
    index = current + 1;
    return { rows, next: current < total ? String(index) : undefined };
  }, where);
}

function pushLinearOrder(ctx: FetchContext, out: AdapterOrder[], row: Record<string, any>, where: string): void {
  const market = marketById(ctx, row.contract_code, isLinearContract, where);
  const o = ctx.exchange.parseOrder(row, market);
  if (o.status !== 'open') return;
  const side = row.side;
  if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${where}: side ${JSON.stringify(side)}`);
  const ps = row.position_side;
  let positionSide: PositionSideName;
  if (ps === 'long' || ps === 'short') positionSide = ps;
  else if (ps === 'both') positionSide = 'net';
  else throw new PayloadShapeError(`${where}: unknown position_side ${JSON.stringify(ps)}`);
  const amount = decField(row, 'volume', where)!;
  const filled = decField(row, 'trade_volume', where, false) ?? '0';
  out.push({
    id: expectString(row, 'order_id', where),
    clientOrderId: typeof row.client_order_id === 'string' && row.client_order_id !== '' ? row.client_order_id : null,
    symbol: market.symbol,
    side,
    type: typeof o.type === 'string' ? o.type : 'limit',
    price: price(row.price),
    amount,
    filled,
    remaining: sub(amount, filled),
    reduceOnly: row.reduce_only === true || row.reduce_only === 'true',
    positionSide,
    info: row,
  });
}

function pushInverseOrder(ctx: FetchContext, out: AdapterOrder[], row: Record<string, any>, where: string): void {
  const market = marketById(ctx, row.contract_code, isInverseSwap, where);
  const o = ctx.exchange.parseOrder(row, market);
  if (o.status !== 'open') return;
  const dir = row.direction;
  if (dir !== 'buy' && dir !== 'sell') throw new PayloadShapeError(`${where}: unknown direction ${JSON.stringify(dir)}`);
  const offset = row.offset;
  let positionSide: PositionSideName;
  let reduceOnly: boolean;
  if (offset === 'open') { positionSide = dir === 'buy' ? 'long' : 'short'; reduceOnly = false; }
  else if (offset === 'close') { positionSide = dir === 'buy' ? 'short' : 'long'; reduceOnly = true; } // a close buy covers the short
  else if (offset === 'both') { positionSide = 'net'; reduceOnly = row.reduce_only === 1 || row.reduce_only === '1' || row.reduce_only === true; }
  else throw new PayloadShapeError(`${where}: unknown offset ${JSON.stringify(offset)}`);
  const amount = decField(row, 'volume', where)!;
  const filled = decField(row, 'trade_volume', where, false) ?? '0';
  const id = typeof row.order_id_str === 'string' && row.order_id_str !== '' ? row.order_id_str : row.order_id;
  if (!((typeof id === 'string' && id !== '') || typeof id === 'number')) throw new PayloadShapeError(`${where}: field "order_id_str" is missing`);
  out.push({
    id: String(id),
    clientOrderId: row.client_order_id === null || row.client_order_id === undefined || row.client_order_id === '' ? null : String(row.client_order_id),
    symbol: market.symbol,
    side: dir,
    type: typeof o.type === 'string' ? o.type : 'limit',
    price: price(row.price),
    amount,
    filled,
    remaining: sub(amount, filled),
    reduceOnly,
    positionSide,
    info: row,
  });
}

/** The close of the latest 1-minute mark-price kline of each contract (one request each; HTX has no mark-price list). */
async function markPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
  const ex = ctx.exchange;
  const wanted = [...new Set(symbols)].map((s) => ctx.markets[s]).filter((m) => isLinearContract(m) || isInverseSwap(m));
  const results = await Promise.all(wanted.map(async (m) => {
    const request = { contract_code: m.id, period: '1min', size: 1 };
    const raw = isLinearContract(m) ? await ex.contractPublicGetIndexMarketHistoryLinearSwapMarkPriceKline(request) : await ex.contractPublicGetIndexMarketHistorySwapMarkPriceKline(request);
    const where = `mark_price_kline ${m.id}`;
    const rows = v1List(raw, where);
    const last = rows[rows.length - 1];
    const mark = last ? price(last.close) : null;
    return [m.symbol as string, mark] as const;
  }));
  const out: AdapterPrices = {};
  for (const [symbol, mark] of results) if (mark !== null) out[symbol] = { mark, last: null, bid: null, ask: null };
  return out;
}

function merge(out: AdapterBalance, code: string, row: { total: string; free: string | null; used: string | null; stated: StatedBalance }): void {
  const prev = out[code];
  if (!prev) {
    out[code] = row;
    return;
  }
  // the same coin in both accounts (USDT-M collateral and coin-M margin): sums of the same figures
  out[code] = {
    total: add(prev.total, row.total),
    free: prev.free != null && row.free !== null ? add(prev.free, row.free) : null,
    used: prev.used != null && row.used !== null ? add(prev.used, row.used) : null,
    stated: {
      equity: sum(prev.stated?.equity, row.stated.equity),
      wallet: sum(prev.stated?.wallet, row.stated.wallet),
      unrealizedPnl: sum(prev.stated?.unrealizedPnl, row.stated.unrealizedPnl),
    },
  };
}

function fig(value: string, field: string): StatedFigure {
  return { value, field };
}

function sum(a: StatedFigure | undefined, b: StatedFigure | undefined): StatedFigure | undefined {
  if (!a || !b) return undefined; // one account does not state it: a partial sum would not be the exchange's figure
  return { value: add(a.value, b.value), field: `${a.field} (USDT-M) + ${b.field} (coin-M)` };
}
