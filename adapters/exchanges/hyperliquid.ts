import { PayloadShapeError, UnsupportedHoldingError } from '../errors.js';
import { abs, add, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { Decimal } from '../../src/number.js';
import { UnknownMarketError, agreeSide, hasPrice, sideOfSigned } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, StatedFigure } from './types.js';

/**
 * Hyperliquid (every read is `POST /info` with a `type`; the account is a wallet
 * address: ccxt's `walletAddress`, or `options.user`).
 *
 * What is read, per snapshot:
 * - `perpDexs`: the list of perp dexes (the main one and the HIP-3 builder-deployed ones);
 * - `clearinghouseState` for the main dex and for every listed dex (`dex: name`):
 *   positions, `marginSummary.accountValue` (equity), `totalRawUsd`; a dex holding
 *   anything whose markets ccxt has not loaded is an unknown market (the adapter
 *   reloads markets once, then refuses), never skipped;
 * - `spotClearinghouseState`: spot balances (`total`, `hold`);
 * - `userAbstraction`: unified and portfolio-margin accounts report every balance in
 *   the spot state and the per-dex states stop describing collateral; they are refused
 *   (UnsupportedHoldingError) rather than counted twice or not at all;
 * - `frontendOpenOrders` per dex (the main dex's answer includes spot orders);
 * - prices: `metaAndAssetCtxs` per dex of the loaded markets, the exchange's `markPx`;
 *   `spotMetaAndAssetCtxs` (`markPx`) for spot symbols the feed lacks.
 * Settle currencies: a dex's collateral (USDC on the main dex, the HIP-3 dex's own
 * collateral token). When the host names settle currencies only the dexes whose loaded
 * markets settle in one of them are read, and only those spot balances; otherwise all.
 * Nothing here pages: Hyperliquid answers each request with the whole list.
 *
 * Traps fixed here:
 * - ccxt's fetchTickers() fills `last` (and `close`) with `midPx`, the book's mid, and
 *   its positions carry no mark: the generic path values positions at the mid. Here the
 *   price is `markPx`, what Hyperliquid's margin and `positionValue` use.
 * - ccxt's fetchPositions()/fetchBalance() read the main dex only: HIP-3 positions
 *   and their collateral are missing; its balance is the main dex's `accountValue` only
 *   (spot USDC not added). Here every dex and the spot balances are read.
 * - side from the sign of `szi` (one-way only; any other position `type` is refused),
 *   and it must agree with ccxt's parsePosition.
 * Stated figures: per position `positionValue` (in the dex's collateral) and
 * `unrealizedPnl`; per currency the equity (`accountValue`s plus spot `total`) and the
 * wallet without unrealized PnL, `totalRawUsd + Σ szi·entryPx` (cash plus the positions'
 * cost: accountValue = totalRawUsd + Σ szi·markPx, so accountValue − that is Σ
 * unrealizedPnl); Hyperliquid states no mark on a position and no account-level
 * unrealized PnL, so the guard adds the positions' own.
 */
export function hyperliquidModule(): ExchangeModule {
  // positions and balance are read from the same clearinghouse answers: one request per dex and snapshot
  const reads = new WeakMap<FetchContext, Promise<DexState[]>>();
  const perpStates = (ctx: FetchContext): Promise<DexState[]> => {
    let p = reads.get(ctx);
    if (!p) reads.set(ctx, (p = readPerpStates(ctx)));
    return p;
  };
  const dexLists = new WeakMap<FetchContext, Promise<string[]>>();
  const dexesToRead = (ctx: FetchContext): Promise<string[]> => {
    let p = dexLists.get(ctx);
    if (!p) dexLists.set(ctx, (p = listDexes(ctx)));
    return p;
  };

  async function readPerpStates(ctx: FetchContext): Promise<DexState[]> {
    const user = userOf(ctx);
    const dexes = await dexesToRead(ctx);
    return Promise.all(dexes.map(async (dex) => {
      const where = `clearinghouseState ${dexLabel(dex)}`;
      const state = expectObject(await ctx.exchange.publicPostInfo({ type: 'clearinghouseState', user, ...(dex ? { dex } : {}) }), where);
      return { dex, where, state, rows: expectArray(state.assetPositions, `${where}.assetPositions`) };
    }));
  }

  return {
    name: 'hyperliquid',
    verified: true,
    fixes: 'positions valued at markPx (ccxt\'s ticker last is the mid), every HIP-3 dex and the spot balances read (ccxt reads the main dex), unified accounts refused',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const out: AdapterPosition[] = [];
      for (const { dex, where, rows } of await perpStates(ctx)) {
        rows.forEach((row, i) => {
          const w = `${where}.assetPositions[${i}]`;
          const p = expectObject(row.position, `${w}.position`);
          const szi = decField(p, 'szi', w)!;
          if (isZero(szi)) return;
          if (row.type !== 'oneWay') throw new PayloadShapeError(`${w}: position type ${JSON.stringify(row.type)} (only oneWay is known)`);
          const coin = expectString(p, 'coin', w);
          const market = contractByCoin(ctx, coin, dex, w);
          const side = sideOfSigned(szi, w);
          agreeSide(ex.parsePosition(row, market).side, side, `${w} (${market.symbol})`);
          const value = decField(p, 'positionValue', w, false);
          const upnl = decField(p, 'unrealizedPnl', w, false);
          const lev = p.leverage && typeof p.leverage === 'object' ? p.leverage : {};
          out.push({
            symbol: market.symbol,
            side,
            contracts: abs(szi),
            positionSide: 'net',
            markPrice: null, // Hyperliquid states no mark on a position: the feed's markPx values it
            entryPrice: dec(p.entryPx),
            unrealizedPnl: upnl,
            marginMode: typeof lev.type === 'string' ? lev.type : null,
            leverage: dec(lev.value),
            stated: {
              ...(value !== null ? { notional: { value: abs(value), field: 'positionValue', currency: market.settle ?? market.quote } } : {}),
              ...(upnl !== null ? { unrealizedPnl: { value: upnl, field: 'unrealizedPnl' } } : {}),
            },
            info: row,
          });
        });
      }
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const user = userOf(ctx);
      const [abstraction, states, spot] = await Promise.all([
        ex.publicPostInfo({ type: 'userAbstraction', user }),
        perpStates(ctx),
        ex.publicPostInfo({ type: 'spotClearinghouseState', user }),
      ]);
      const mode = abstractionMode(abstraction);
      if (!SEPARATE_BALANCES.has(mode)) {
        throw new UnsupportedHoldingError(ctx.source, `userAbstraction is ${JSON.stringify(mode)}: balances then live in the spot state and the perp dexes share them, which this module does not read (only separate perp and spot balances are supported)`);
      }
      const rows = new Map<string, Row>();
      const row = (code: string) => {
        let r = rows.get(code);
        if (!r) rows.set(code, (r = { total: '0', wallet: '0', used: '0', equityFields: [], walletFields: [] }));
        return r;
      };
      for (const { dex, where, state, rows: positions } of states) {
        const summary = expectObject(state.marginSummary, `${where}.marginSummary`);
        const accountValue = decField(summary, 'accountValue', `${where}.marginSummary`)!;
        const rawUsd = decField(summary, 'totalRawUsd', `${where}.marginSummary`)!;
        const held = positions.filter((r) => !isZero(dec(r?.position?.szi)));
        const code = dexCurrency(ctx, dex);
        if (code === null) {
          if (isZero(accountValue) && held.length === 0) continue;
          throw new UnknownMarketError(where, `${dexLabel(dex)} (its markets, and so its collateral, are not loaded)`);
        }
        if (ctx.settleCurrencies && !ctx.settleCurrencies.includes(code)) continue;
        // cash plus the positions' cost: accountValue = totalRawUsd + Σ szi·markPx, so this is accountValue − Σ unrealizedPnl
        let cost = new Decimal(0);
        held.forEach((r, i) => {
          const p = r.position;
          cost = cost.plus(new Decimal(decField(p, 'szi', `${where}.assetPositions[${i}]`)!).mul(decField(p, 'entryPx', `${where}.assetPositions[${i}]`)!));
        });
        const r = row(code);
        r.total = add(r.total, accountValue);
        r.wallet = add(add(r.wallet, rawUsd), cost.toFixed());
        r.used = add(r.used, dec(summary.totalMarginUsed) ?? '0');
        r.equityFields.push(`marginSummary.accountValue (${dexLabel(dex)})`);
        r.walletFields.push(`marginSummary.totalRawUsd + Σ szi·entryPx (${dexLabel(dex)})`);
      }
      const spotState = expectObject(spot, 'spotClearinghouseState');
      expectArray(spotState.balances, 'spotClearinghouseState.balances').forEach((b, i) => {
        const where = `spotClearinghouseState.balances[${i}]`;
        const coin = expectString(b, 'coin', where);
        const total = decField(b, 'total', where)!;
        const code = ex.updateSpotCurrencyCode(ex.safeCurrencyCode(coin));
        if (ctx.settleCurrencies && !ctx.settleCurrencies.includes(code)) return;
        const r = row(code);
        r.total = add(r.total, total);
        r.wallet = add(r.wallet, total);
        r.used = add(r.used, decField(b, 'hold', where, false) ?? '0');
        r.equityFields.push('spot total');
        r.walletFields.push('spot total');
      });
      const out: AdapterBalance = {};
      for (const [code, r] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const equity: StatedFigure = { value: r.total, field: r.equityFields.join(' + ') };
        const wallet: StatedFigure = { value: r.wallet, field: r.walletFields.join(' + ') };
        out[code] = { total: r.total, used: r.used, stated: { equity, wallet } };
      }
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const user = userOf(ctx);
      const dexes = await dexesToRead(ctx);
      const answers = await Promise.all(dexes.map(async (dex) => ({ dex, rows: await ex.publicPostInfo({ type: 'frontendOpenOrders', user, ...(dex ? { dex } : {}) }) })));
      const out: AdapterOrder[] = [];
      for (const { dex, rows } of answers) {
        const where = `frontendOpenOrders ${dexLabel(dex)}`;
        expectArray(rows, where).forEach((row, i) => {
          const w = `${where}[${i}]`;
          const coin = expectString(row, 'coin', w);
          const market = coin.includes('/') || coin.startsWith('@') ? spotById(ctx, coin, w) : contractByCoin(ctx, coin, dex, w);
          const o = ex.parseOrder({ ...row, ccxtStatus: 'open' }, market);
          const side = row.side === 'B' ? 'buy' : row.side === 'A' ? 'sell' : null;
          if (side === null) throw new PayloadShapeError(`${w}: side ${JSON.stringify(row.side)}`);
          if (o.side !== side) throw new PayloadShapeError(`${w}: ccxt reads the order as ${o.side}, the exchange's side says ${side}`);
          const amount = decField(row, 'origSz', w)!;
          const remaining = decField(row, 'sz', w)!;
          out.push({
            id: String(row.oid ?? ''),
            clientOrderId: typeof row.cloid === 'string' && row.cloid !== '' ? row.cloid : null,
            symbol: market.symbol,
            side,
            type: typeof o.type === 'string' ? o.type : 'limit',
            price: price(row.limitPx),
            amount,
            filled: sub(amount, remaining),
            remaining,
            reduceOnly: row.reduceOnly === true,
            positionSide: 'net',
            info: row,
          });
        });
      }
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      const out: AdapterPrices = {};
      const dexes = loadedDexes(ctx).filter((d) => !ctx.settleCurrencies || ctx.settleCurrencies.includes(dexCurrency(ctx, d) ?? ''));
      const answers = await Promise.all(dexes.map(async (dex) => perpMarks(ctx, dex, await ctx.exchange.publicPostInfo({ type: 'metaAndAssetCtxs', ...(dex ? { dex } : {}) }))));
      for (const a of answers) Object.assign(out, a);
      return out;
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      const ex = ctx.exchange;
      const out: AdapterPrices = {};
      const wanted = symbols.map((s) => ctx.markets[s]).filter((m) => m && !m.option);
      if (wanted.some((m) => m.spot)) Object.assign(out, spotMarks(ctx, await ex.publicPostInfo({ type: 'spotMetaAndAssetCtxs' })));
      const dexes = [...new Set(wanted.filter((m) => m.contract).map((m) => dexOf(m)))];
      for (const dex of dexes) Object.assign(out, perpMarks(ctx, dex, await ex.publicPostInfo({ type: 'metaAndAssetCtxs', ...(dex ? { dex } : {}) })));
      for (const s of Object.keys(out)) if (!symbols.includes(s)) delete out[s];
      return out;
    },
  };
}

/** Abstraction modes in which the perp dexes hold their own collateral (Hyperliquid's userAbstraction). */
const SEPARATE_BALANCES = new Set(['disabled', 'default', 'dexAbstraction']);

/**
 * The answer to userAbstraction is a bare JSON string ("disabled"); ccxt only decodes
 * objects and arrays, so it hands over the text with its quotes.
 */
function abstractionMode(answer: unknown): string {
  let mode = answer;
  if (typeof mode === 'string' && mode.startsWith('"')) {
    try { mode = JSON.parse(mode); } catch { /* reported below */ }
  }
  if (typeof mode !== 'string' || mode === '' || mode.startsWith('"') || mode.startsWith('<')) {
    throw new PayloadShapeError(`userAbstraction: expected a mode such as "disabled", got ${JSON.stringify(answer)?.slice(0, 40)}`);
  }
  return mode;
}

interface DexState { dex: string; where: string; state: Record<string, any>; rows: Record<string, any>[] }
interface Row { total: string; wallet: string; used: string; equityFields: string[]; walletFields: string[] }

const dexLabel = (dex: string) => (dex === '' ? 'main dex' : `dex ${dex}`);

function userOf(ctx: FetchContext): string {
  const [user] = ctx.exchange.handlePublicAddress('fetchPositions', {});
  return user;
}

/** '' for the main dex, the HIP-3 dex's name for its markets */
function dexOf(m: any): string {
  return m?.info?.hip3 === true && typeof m.info.dex === 'string' ? m.info.dex : '';
}

function loadedDexes(ctx: FetchContext): string[] {
  const dexes = new Set<string>();
  for (const m of Object.values(ctx.markets)) if (m?.contract === true) dexes.add(dexOf(m));
  return [...dexes].sort();
}

/** The main dex and every dex `perpDexs` lists (index 0 is the main dex, null); limited to the host's settle currencies when it names them. */
async function listDexes(ctx: FetchContext): Promise<string[]> {
  const answer = await ctx.exchange.publicPostInfo({ type: 'perpDexs' });
  if (!Array.isArray(answer)) throw new PayloadShapeError(`perpDexs: expected a JSON array, got ${typeof answer}`);
  const names = [''];
  answer.forEach((d, i) => {
    if (i === 0 && d === null) return;
    const name = expectString(expectObject(d, `perpDexs[${i}]`), 'name', `perpDexs[${i}]`);
    if (!names.includes(name)) names.push(name);
  });
  if (!ctx.settleCurrencies) return names;
  return names.filter((d) => { const c = dexCurrency(ctx, d); return c !== null && ctx.settleCurrencies!.includes(c); });
}

/**
 * The collateral of a dex, from its loaded markets; null when none is loaded. ccxt
 * assumes USDC for a HIP-3 market whose collateral token it could not name (currencies
 * not loaded): such a guess is refused.
 */
function dexCurrency(ctx: FetchContext, dex: string): string | null {
  const settles = new Set<string>();
  for (const m of Object.values(ctx.markets)) {
    if (m?.contract !== true || dexOf(m) !== dex) continue;
    const token = m.info?.collateralToken;
    if (dex !== '' && token !== undefined && String(token) !== '0' && m.info?.collateralTokenName === undefined) {
      throw new UnsupportedHoldingError(ctx.source, `${dexLabel(dex)}: collateral token ${String(token)} is not among the loaded currencies, so ccxt's ${m.symbol} settles in a guessed USDC (load currencies, ccxt's default)`);
    }
    if (typeof m.settle === 'string') settles.add(m.settle);
  }
  if (settles.size > 1) throw new PayloadShapeError(`${dexLabel(dex)}: markets settle in ${[...settles].join(' and ')}`);
  return settles.size ? [...settles][0]! : null;
}

function contractByCoin(ctx: FetchContext, coin: string, dex: string, where: string): any {
  const m = Object.values(ctx.markets).find((x: any) => x?.contract === true && dexOf(x) === dex && (x.info?.name ?? x.baseName) === coin);
  if (!m) throw new UnknownMarketError(where, coin);
  return m;
}

function spotById(ctx: FetchContext, id: string, where: string): any {
  const byId = ctx.exchange.markets_by_id?.[id];
  const m = (Array.isArray(byId) ? byId : []).find((x: any) => x.spot === true);
  if (!m) throw new UnknownMarketError(where, id);
  return m;
}

/** metaAndAssetCtxs: [ { universe: [{ name, … }] }, [ { markPx, midPx, … } ] ] (same order) */
function perpMarks(ctx: FetchContext, dex: string, answer: unknown): AdapterPrices {
  const where = `metaAndAssetCtxs ${dexLabel(dex)}`;
  if (!Array.isArray(answer) || answer.length < 2) throw new PayloadShapeError(`${where}: expected [meta, assetCtxs]`);
  const universe = expectArray(expectObject(answer[0], `${where}[0]`).universe, `${where}[0].universe`);
  const ctxs = expectArray(answer[1], `${where}[1]`);
  if (ctxs.length !== universe.length) throw new PayloadShapeError(`${where}: ${universe.length} assets but ${ctxs.length} contexts`);
  const out: AdapterPrices = {};
  universe.forEach((u, i) => {
    const m = Object.values(ctx.markets).find((x: any) => x?.contract === true && dexOf(x) === dex && (x.info?.name ?? x.baseName) === u.name);
    if (!m) return;
    const p = { mark: price(ctxs[i]!.markPx), last: null, bid: null, ask: null };
    if (hasPrice(p)) out[m.symbol] = p;
  });
  return out;
}

/** spotMetaAndAssetCtxs: [ { universe: [{ name, index }] }, [ { markPx, midPx, coin, … } ] ] (contexts by universe index) */
function spotMarks(ctx: FetchContext, answer: unknown): AdapterPrices {
  const where = 'spotMetaAndAssetCtxs';
  if (!Array.isArray(answer) || answer.length < 2) throw new PayloadShapeError(`${where}: expected [meta, assetCtxs]`);
  const universe = expectArray(expectObject(answer[0], `${where}[0]`).universe, `${where}[0].universe`);
  const ctxs = expectArray(answer[1], `${where}[1]`);
  const out: AdapterPrices = {};
  for (const u of universe) {
    const c = ctxs[Number(u.index)];
    if (!c) continue;
    if (typeof c.coin === 'string' && c.coin !== u.name) throw new PayloadShapeError(`${where}: the context at index ${String(u.index)} is ${c.coin}, not ${String(u.name)}`);
    const byId = ctx.exchange.markets_by_id?.[u.name];
    const m = (Array.isArray(byId) ? byId : []).find((x: any) => x.spot === true);
    if (!m) continue;
    const p = { mark: price(c.markPx), last: null, bid: null, ask: null };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
