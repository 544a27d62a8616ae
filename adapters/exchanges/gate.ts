import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { abs, add, dec, decField, expectArray, expectObject, isZero, price, sign, sub } from '../exact.js';
import { agreeSide, hasPrice, marketById, paginate } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, PositionSideName, StatedBalance } from './types.js';

/**
 * Gate (API v4) classic futures account: perpetual swaps (`/futures/{settle}`) and
 * delivery futures (`/delivery/{settle}`).
 *
 * What is read: for every settle currency of every contract type the loaded markets
 * have (ccxt loads USDT and BTC settled swaps and USDT settled delivery futures by
 * default; more when `options.future.fetchMarkets.settlementCurrencies` names them),
 * or only the settle currencies the host names (`settleCurrencies`):
 * - positions: `GET /futures/{settle}/positions?holding=true`, paged with limit/offset
 *   (100 a page) to the end; `GET /delivery/{settle}/positions` (not paged);
 * - balance: `GET /futures/{settle}/accounts`, `GET /delivery/{settle}/accounts`,
 *   one row per settle currency, the swap and delivery accounts of one currency added;
 * - open orders: `GET /{futures|delivery}/{settle}/orders?status=open`, paged with
 *   limit/offset to the end;
 * - mark prices: `GET /{futures|delivery}/{settle}/tickers` (`mark_price`, `last`,
 *   `highest_bid`, `lowest_ask`), one call per settle currency and type.
 * Spot, margin and options accounts are not read; an options position (when option
 * markets are loaded, `GET /options/positions`) is refused.
 *
 * Traps fixed here:
 * - Equity: the futures account's `total` is documented as the balance *excluding*
 *   unrealized PnL (SUM of deposits, realized pnl, fees, funding); ccxt puts it in
 *   `total`, so a losing position overstates equity and leverage fails open. Here
 *   `total` = `total` + `unrealised_pnl`.
 * - ccxt's fetchPositions()/fetchBalance()/fetchOpenOrders() without a settle read
 *   only `/futures/usdt`: BTC settled swaps and every delivery future are missing.
 * - sizes are contracts of `quanto_multiplier` coins (ccxt contractSize); the BTC
 *   settled inverse BTC_USD states `quanto_multiplier` "0" and is 1 USD a contract
 *   (ccxt's own fix, ccxt#25672) — checked against the position's `value` in BTC.
 *   Any other contract kind (a quanto contract, a multiplier that is not a positive
 *   number) is refused: its unit cannot be established.
 * - dual (hedge) mode: `mode` is dual_long / dual_short, `size` is signed; a
 *   dual_short row with a positive size is a contradiction and refused. Orders carry
 *   no position side: in dual mode it follows from the direction and reduce_only.
 * - `size`/`left` arrive as numbers or, newer, as strings; `left` is signed like `size`.
 * - a unified account (ccxt `options.unifiedAccount`, or an account `margin_mode`
 *   other than 0) keeps its equity in `/unified/accounts`, where `total` does not
 *   apply: refused rather than read wrong.
 * Stated figures: per position `value` (quote currency for linear, settle coin for
 * inverse), `mark_price`, `unrealised_pnl`; per currency the wallet (`total`). The
 * account's own `unrealised_pnl` is deliberately not passed on as a stated figure:
 * equity is computed from it, so stating it would only compare the sum with itself;
 * without it the snapshot checks total + unrealised_pnl against the wallet plus the
 * positions' own unrealised_pnl, which catches an account PnL that disagrees with
 * the positions (or is missing).
 */
export function gateModule(): ExchangeModule {
  return {
    name: 'gate',
    verified: true,
    fixes: 'equity = total + unrealised_pnl (Gate\'s total excludes it), every settle currency of swaps and delivery futures, quanto_multiplier contract sizes (BTC_USD 1 USD), dual-mode rows, unified accounts refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const queries = contractQueries(ctx);
      const [pages] = await Promise.all([
        Promise.all(queries.map(async (q) => {
          const where = `${q.api}/${q.settle}/positions`;
          const rows = q.api === 'futures'
            ? await paginate(async (offset) => offsetPage(await ex.privateFuturesGetSettlePositions({ settle: q.settle, holding: true, limit: PAGE, offset: Number(offset ?? 0) }), where, Number(offset ?? 0)), where)
            : expectArray(await ex.privateDeliveryGetSettlePositions({ settle: q.settle }), where);
          return { q, where, rows };
        })),
        refuseOptionPositions(ctx),
      ]);
      const out: AdapterPosition[] = [];
      const seen = new Set<string>();
      for (const { q, where, rows } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const size = decField(row, 'size', w)!;
          if (isZero(size)) return; // holding=true should leave none; delivery lists every contract touched
          const market = marketById(ctx, row.contract, q.filter, w);
          const unit = contractUnit(ctx, market, w);
          const parsed = ex.parsePosition(row, market);
          const { side, positionSide } = sideOf(row, size, w);
          agreeSide(parsed.side, side, `${w} (${market.symbol})`);
          const key = `${market.symbol}|${positionSide}`;
          if (seen.has(key)) throw new UnsupportedHoldingError(ctx.source, `${w}: a second ${positionSide} position in ${market.symbol} (Gate's split position mode is not supported)`);
          seen.add(key);
          const value = decField(row, 'value', w, false);
          const mark = price(row.mark_price);
          const pnl = decField(row, 'unrealised_pnl', w, false);
          out.push({
            symbol: market.symbol,
            side,
            contracts: abs(size),
            positionSide,
            markPrice: mark,
            entryPrice: dec(row.entry_price),
            unrealizedPnl: pnl,
            marginMode: marginModeOf(row),
            leverage: dec(row.leverage),
            stated: {
              ...(value !== null ? { notional: { value: abs(value), field: 'value', currency: unit.valueCurrency } } : {}),
              ...(mark !== null ? { markPrice: { value: mark, field: 'mark_price' } } : {}),
              ...(pnl !== null ? { unrealizedPnl: { value: pnl, field: 'unrealised_pnl' } } : {}),
            },
            info: row,
          });
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      refuseUnified(ctx);
      const accounts = await Promise.all(accountQueries(ctx).map(async (q) => {
        const where = `${q.api}/${q.settle}/accounts`;
        const resp = q.api === 'futures' ? await ex.privateFuturesGetSettleAccounts({ settle: q.settle }) : await ex.privateDeliveryGetSettleAccounts({ settle: q.settle });
        return { q, where, row: expectObject(resp, where) };
      }));
      const sums = new Map<string, { wallet: string; pnl: string; free: string | null; fields: string[] }>();
      for (const { q, where, row } of accounts) {
        const currency = row.currency;
        if (typeof currency !== 'string' || currency.toLowerCase() !== q.settle) throw new PayloadShapeError(`${where}: currency ${JSON.stringify(currency)} is not the settle currency asked for (${q.settle})`);
        const mode = row.margin_mode;
        if (mode !== undefined && mode !== null && String(mode) !== '0') {
          throw new UnsupportedHoldingError(ctx.source, `${where}: margin_mode ${String(mode)} is a unified account mode; its equity is not the futures account's total + unrealised_pnl (read it with a module for Gate's unified account)`);
        }
        const wallet = decField(row, 'total', where)!; // excludes unrealized PnL (Gate's documentation)
        const pnl = decField(row, 'unrealised_pnl', where)!;
        const code = ex.safeCurrencyCode(currency);
        const prev = sums.get(code);
        const free = dec(row.available);
        sums.set(code, prev
          ? { wallet: add(prev.wallet, wallet), pnl: add(prev.pnl, pnl), free: prev.free !== null && free !== null ? add(prev.free, free) : null, fields: [...prev.fields, `${q.api} total`] }
          : { wallet, pnl, free, fields: [`${q.api} total`] });
      }
      const out: AdapterBalance = {};
      for (const [code, s] of sums) {
        const stated: StatedBalance = { wallet: { value: s.wallet, field: s.fields.length === 1 ? 'total' : s.fields.join(' + ') } };
        out[code] = { total: add(s.wallet, s.pnl), free: s.free, stated };
      }
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const pages = await Promise.all(contractQueries(ctx).map(async (q) => {
        const where = `${q.api}/${q.settle}/orders`;
        const list = (offset: number) => (q.api === 'futures' ? ex.privateFuturesGetSettleOrders : ex.privateDeliveryGetSettleOrders).call(ex, { settle: q.settle, status: 'open', limit: PAGE, offset });
        const rows = await paginate(async (offset) => offsetPage(await list(Number(offset ?? 0)), where, Number(offset ?? 0)), where);
        // orders carry no position side; in dual (hedge) mode it follows from the account
        let dual = false;
        if (rows.length) {
          const accWhere = `${q.api}/${q.settle}/accounts`;
          const acc = expectObject(q.api === 'futures' ? await ex.privateFuturesGetSettleAccounts({ settle: q.settle }) : await ex.privateDeliveryGetSettleAccounts({ settle: q.settle }), accWhere);
          if (typeof acc.in_dual_mode !== 'boolean') throw new PayloadShapeError(`${accWhere}: field "in_dual_mode" is missing`);
          dual = acc.in_dual_mode;
        }
        return { q, where, rows, dual };
      }));
      const out: AdapterOrder[] = [];
      for (const { q, where, rows, dual } of pages) {
        rows.forEach((row, i) => {
          const w = `${where}[${i}]`;
          const market = marketById(ctx, row.contract, q.filter, w);
          contractUnit(ctx, market, w);
          const o = ex.parseOrder(row, market);
          if (o.status !== 'open') return;
          const size = decField(row, 'size', w)!;
          const left = decField(row, 'left', w)!;
          const reduceOnly = row.is_reduce_only === true || row.is_close === true;
          if (isZero(size)) {
            // a close-position order (size 0, close true) has no size of its own: it can only reduce
            if (row.is_close === true) return;
            throw new PayloadShapeError(`${w}: an open order of size 0`);
          }
          const side = sign(size) > 0 ? 'buy' : 'sell';
          if (o.side !== side) throw new PayloadShapeError(`${w}: ccxt reads the order as ${String(o.side)}, the sign of size says ${side}`);
          if (sign(left) !== 0 && sign(left) !== sign(size)) throw new PayloadShapeError(`${w}: left ${left} and size ${size} have different signs`);
          const amount = abs(size);
          const remaining = abs(left);
          const filled = sub(amount, remaining);
          if (sign(filled) < 0) throw new PayloadShapeError(`${w}: left ${left} exceeds size ${size}`);
          const positionSide: PositionSideName = !dual ? 'net' : side === 'buy' ? (reduceOnly ? 'short' : 'long') : (reduceOnly ? 'long' : 'short');
          const text = typeof row.text === 'string' ? row.text : '';
          if ((typeof row.id !== 'string' && typeof row.id !== 'number') || row.id === '') throw new PayloadShapeError(`${w}: field "id" is missing`);
          out.push({
            id: String(row.id),
            clientOrderId: text.startsWith('t-') ? text : null, // "web", "api", "app" name the source, not the order
            symbol: market.symbol,
            side,
            type: typeof o.type === 'string' ? o.type : 'limit',
            price: price(row.price),
            amount,
            filled,
            remaining,
            reduceOnly,
            positionSide,
            info: row,
          });
        });
      }
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      const results = await Promise.all(contractQueries(ctx, true).map(async (q) => {
        const resp = q.api === 'futures' ? await ex.publicFuturesGetSettleTickers({ settle: q.settle }) : await ex.publicDeliveryGetSettleTickers({ settle: q.settle });
        return tickers(ctx, resp, `${q.api}/${q.settle}/tickers`, q.filter);
      }));
      for (const r of results) Object.assign(out, r);
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      for (const s of symbols) {
        const m = ctx.markets[s];
        if (!m || !m.contract || m.option) continue; // this module reads contract accounts only
        const q = queryOf(m);
        const resp = q.api === 'futures' ? await ex.publicFuturesGetSettleTickers({ settle: q.settle, contract: m.id }) : await ex.publicDeliveryGetSettleTickers({ settle: q.settle, contract: m.id });
        Object.assign(out, tickers(ctx, resp, `${q.api}/${q.settle}/tickers ${m.id}`, q.filter));
      }
      return out;
    },
  };
}

const PAGE = 100;

interface Query { api: 'futures' | 'delivery'; settle: string; filter: (m: any) => boolean }

function queryOf(m: any): Query {
  const api = m.swap ? 'futures' : 'delivery';
  const settle = String(m.settleId).toLowerCase();
  return { api, settle, filter: (x: any) => x?.contract === true && x.option !== true && (api === 'futures' ? x.swap === true : x.future === true) && String(x.settleId).toLowerCase() === settle };
}

/** One query per contract type and settle currency the loaded markets have, restricted to the host's settle currencies. */
function contractQueries(ctx: FetchContext, ignoreHost = false): Query[] {
  const wanted = !ignoreHost && ctx.settleCurrencies ? new Set(ctx.settleCurrencies.map((c) => c.toUpperCase())) : null;
  const seen = new Map<string, Query>();
  for (const m of Object.values(ctx.markets)) {
    if (m?.contract !== true || m.option === true || (m.swap !== true && m.future !== true) || typeof m.settleId !== 'string') continue;
    if (wanted && !wanted.has(String(m.settle).toUpperCase()) && !wanted.has(m.settleId.toUpperCase())) continue;
    const q = queryOf(m);
    seen.set(`${q.api}/${q.settle}`, q);
  }
  return [...seen.values()].sort((a, b) => `${a.api}/${a.settle}`.localeCompare(`${b.api}/${b.settle}`));
}

/** The accounts to read: one per contract type and settle currency (the swap and the delivery account are separate). */
function accountQueries(ctx: FetchContext): Query[] {
  return contractQueries(ctx);
}

function offsetPage(resp: unknown, where: string, offset: number): { rows: Record<string, any>[]; next: string | undefined } {
  const rows = expectArray(resp, where);
  return { rows, next: rows.length >= PAGE ? String(offset + PAGE) : undefined };
}

/**
 * What one contract is, from the contract's own payload: linear `direct` contracts are
 * `quanto_multiplier` base coins (valued in the quote = settle currency); the inverse
 * BTC_USD is 1 USD (valued in BTC). Anything else is refused.
 */
function contractUnit(ctx: FetchContext, market: any, where: string): { valueCurrency: string } {
  const info = market.info ?? {};
  const multiplier = dec(info.quanto_multiplier);
  const cs = dec(market.contractSize);
  if (market.linear === true && info.type === 'direct' && market.quote === market.settle && multiplier !== null && sign(multiplier) > 0 && cs !== null && sub(multiplier, cs) === '0') {
    return { valueCurrency: market.settle };
  }
  if (market.inverse === true && info.type === 'inverse' && market.base === market.settle && market.quote === 'USD' && (multiplier === null || isZero(multiplier)) && cs === '1') {
    return { valueCurrency: market.settle };
  }
  throw new UnsupportedHoldingError(ctx.source, `${where}: ${market.symbol} is a ${String(info.type)} contract with quanto_multiplier ${JSON.stringify(info.quanto_multiplier)}; the unit of one contract cannot be established, so its exposure is not guessed`);
}

function sideOf(row: Record<string, any>, size: string, where: string): { side: 'long' | 'short'; positionSide: PositionSideName } {
  const s = sign(size) > 0 ? 'long' : 'short';
  const mode = row.mode;
  if (mode === undefined || mode === null || mode === 'single') return { side: s, positionSide: 'net' };
  if (mode === 'dual_long' || mode === 'dual_short') {
    const side = mode === 'dual_long' ? 'long' : 'short';
    if (side !== s) throw new PayloadShapeError(`${where}: mode ${mode} with size ${size}`);
    return { side, positionSide: side };
  }
  throw new PayloadShapeError(`${where}: unknown position mode ${JSON.stringify(mode)}`);
}

/** `pos_margin_mode` where Gate sends it; otherwise ccxt's reading: leverage "0" is cross margin */
function marginModeOf(row: Record<string, any>): string | null {
  if (row.pos_margin_mode === 'cross' || row.pos_margin_mode === 'isolated') return row.pos_margin_mode;
  const lev = dec(row.leverage);
  return lev === null ? null : isZero(lev) ? 'cross' : 'isolated';
}

function refuseUnified(ctx: FetchContext): void {
  if (ctx.exchange.options?.unifiedAccount === true) {
    throw new UnsupportedHoldingError(ctx.source, 'Gate unified account: its equity is in /unified/accounts and the futures account\'s total does not apply; this module reads classic futures accounts only');
  }
}

/** With option markets loaded, an options position is looked for and refused (its exposure is a delta, not a notional). */
async function refuseOptionPositions(ctx: FetchContext): Promise<void> {
  if (!Object.values(ctx.markets).some((m: any) => m?.option === true)) return;
  const rows = expectArray(await ctx.exchange.privateOptionsGetPositions({}), 'options/positions');
  rows.forEach((row, i) => {
    const size = decField(row, 'size', `options/positions[${i}]`)!;
    if (!isZero(size)) throw new UnsupportedHoldingError(ctx.source, `options/positions[${i}]: an options position in ${String(row.contract)} (risk-guard values contract positions and balances only; close it or exclude this account)`);
  });
}

function tickers(ctx: FetchContext, resp: unknown, where: string, filter: (m: any) => boolean): AdapterPrices {
  const out: AdapterPrices = {};
  for (const row of expectArray(resp, where)) {
    const byId = ctx.exchange.markets_by_id?.[row.contract];
    const m = (Array.isArray(byId) ? byId : []).find(filter);
    if (!m) continue;
    const p = { mark: price(row.mark_price), last: price(row.last), bid: price(row.highest_bid), ask: price(row.lowest_ask) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
