import { PayloadShapeError } from '../errors.js';
import { add, dec, decField, expectArray, expectObject, expectString, isZero, price, sub } from '../exact.js';
import { UnknownMarketError, agreeSide, hasPrice } from './common.js';
import type { AdapterBalance, AdapterOrder, AdapterPosition, AdapterPrices, ExchangeModule, FetchContext, StatedFigure } from './types.js';

/**
 * Kraken Futures (derivatives/api/v3).
 *
 * Account types: the multi-collateral `flex` wallet (linear PF_/FF_ contracts, settled
 * in USD, collateral in several currencies) and the single-collateral margin accounts
 * (`fi_xbtusd`, `fi_ethusd`, …: inverse PI_/FI_ contracts, each settled in its coin).
 * The holding wallet (`cash`, type cashAccount) margins nothing and is not counted.
 * Settle currencies: USD for flex, the coin for a single-collateral account; the host's
 * `settleCurrencies` when it names them, otherwise every account the answer has.
 *
 * What is read (each answer is the whole list; nothing pages):
 * - `GET openpositions`: every position of every account;
 * - `GET accounts`: every wallet;
 * - `GET openorders`: every open order;
 * - `GET tickers`: `markPrice` of every contract (one call), the price feed.
 *
 * Traps fixed here:
 * - ccxt's fetchBalance() reads the flex wallet only and gives each collateral currency
 *   its `quantity`: the unrealized PnL and funding of open positions are left out of the
 *   account (they live in the wallet's `pnl` / `unrealizedFunding`), and the
 *   single-collateral accounts are not read at all without `{ type: symbol }`. Here the
 *   USD row of flex is its quantity plus `pnl` + `unrealizedFunding` (the docs:
 *   portfolioValue is "balance value plus unrealised PnL in USD"), and each
 *   single-collateral account adds its `auxiliary.pv` (balance + pnl, in its coin).
 * - positions carry no mark in ccxt (the ticker's `markPrice` values them here);
 *   side from `side` ("long"/"short"), which must agree with ccxt's parsePosition;
 *   instrument ids arrive in either case (`pi_xbtusd`, `PF_XBTUSD`).
 * Stated figures: per position `unrealizedPnl` (Kraken states neither value nor mark);
 * per flex USD row the wallet `currencies.USD.quantity`, `totalUnrealized` and the equity
 * `portfolioValue − Σ value` of the other collateral currencies; per single-collateral
 * currency `pv` (equity), the coin balance (wallet) and `pnl`.
 */
export function krakenFuturesModule(): ExchangeModule {
  return {
    name: 'krakenfutures',
    verified: true,
    fixes: 'flex equity with unrealized PnL and funding (ccxt counts collateral quantities only), single-collateral inverse accounts read (ccxt reads flex only), positions at the ticker markPrice',
    hasPositions: true,

    async fetchPositions(ctx: FetchContext): Promise<AdapterPosition[]> {
      const ex = ctx.exchange;
      const rows = list(await ex.privateGetOpenpositions(), 'openpositions', 'openPositions');
      const out: AdapterPosition[] = [];
      rows.forEach((row, i) => {
        const where = `openpositions[${i}]`;
        const size = decField(row, 'size', where)!;
        if (isZero(size)) return;
        if (size.startsWith('-')) throw new PayloadShapeError(`${where}: size ${size} is negative (Kraken states the side apart)`);
        const market = contractById(ctx, row.symbol, where);
        if (!wanted(ctx, market.settle)) return;
        const side = row.side;
        if (side !== 'long' && side !== 'short') throw new PayloadShapeError(`${where} (${market.symbol}): side ${JSON.stringify(side)}`);
        agreeSide(ex.parsePosition(row, market).side, side, `${where} (${market.symbol})`);
        const upnl = decField(row, 'unrealizedPnl', where, false);
        const pnlCurrency = typeof row.pnlCurrency === 'string' ? ex.safeCurrencyCode(row.pnlCurrency) : market.settle;
        out.push({
          symbol: market.symbol,
          side,
          contracts: size,
          positionSide: 'net',
          markPrice: null, // not in the answer: the ticker feed's markPrice values it
          entryPrice: dec(row.price),
          unrealizedPnl: upnl,
          marginMode: row.maxFixedLeverage !== undefined ? 'isolated' : 'cross',
          leverage: dec(row.maxFixedLeverage),
          stated: upnl !== null && pnlCurrency === market.settle ? { unrealizedPnl: { value: upnl, field: 'unrealizedPnl' } } : {},
          info: row,
        });
      });
      return out;
    },

    async fetchBalance(ctx: FetchContext): Promise<AdapterBalance> {
      const ex = ctx.exchange;
      const resp = envelope(await ex.privateGetAccounts(), 'accounts');
      const accounts = expectObject(resp.accounts, 'accounts.accounts');
      const rows = new Map<string, Row>();
      const row = (code: string) => {
        let r = rows.get(code);
        if (!r) rows.set(code, (r = { total: '0', wallet: { value: '0', fields: [] }, upnl: null, equity: { value: '0', fields: [] } }));
        return r;
      };
      for (const key of Object.keys(accounts).sort()) {
        const acc = expectObject(accounts[key], `accounts.${key}`);
        const type = expectString(acc, 'type', `accounts.${key}`);
        if (type === 'cashAccount') continue; // the holding wallet: no position is margined by it
        if (type === 'multiCollateralMarginAccount') {
          if (!wanted(ctx, 'USD')) continue;
          readFlex(ex, key, acc, row);
        } else if (type === 'marginAccount') {
          const where = `accounts.${key}`;
          const id = expectString(acc, 'currency', where);
          const code = ex.safeCurrencyCode(id);
          if (!wanted(ctx, code)) continue;
          const aux = expectObject(acc.auxiliary, `${where}.auxiliary`);
          const balances = expectObject(acc.balances, `${where}.balances`);
          const balance = decField(balances, id, `${where}.balances`)!;
          const pv = decField(aux, 'pv', `${where}.auxiliary`)!;
          const pnl = decField(aux, 'pnl', `${where}.auxiliary`)!;
          const r = row(code);
          r.total = add(r.total, pv);
          r.equity.value = add(r.equity.value, pv);
          r.equity.fields.push(`${key}.auxiliary.pv`);
          r.wallet.value = add(r.wallet.value, balance);
          r.wallet.fields.push(`${key}.balances.${id}`);
          r.upnl = { value: add(r.upnl?.value ?? '0', pnl), fields: [...(r.upnl?.fields ?? []), `${key}.auxiliary.pnl`] };
        } else {
          throw new PayloadShapeError(`accounts.${key}: unknown account type ${JSON.stringify(type)}`);
        }
      }
      const out: AdapterBalance = {};
      for (const [code, r] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const stated: { equity?: StatedFigure; wallet?: StatedFigure; unrealizedPnl?: StatedFigure } = {};
        if (r.equity.fields.length) stated.equity = { value: r.equity.value, field: r.equity.fields.join(' + ') };
        stated.wallet = { value: r.wallet.value, field: r.wallet.fields.join(' + ') };
        if (r.upnl) stated.unrealizedPnl = { value: r.upnl.value, field: r.upnl.fields.join(' + ') };
        out[code] = { total: r.total, stated };
      }
      return out;
    },

    async fetchOpenOrders(ctx: FetchContext): Promise<AdapterOrder[]> {
      const ex = ctx.exchange;
      const rows = list(await ex.privateGetOpenorders(), 'openorders', 'openOrders');
      const out: AdapterOrder[] = [];
      rows.forEach((row, i) => {
        const where = `openorders[${i}]`;
        const market = contractById(ctx, row.symbol, where);
        if (!wanted(ctx, market.settle)) return;
        const o = ex.parseOrder(row, market);
        if (o.status !== 'open') return;
        const side = row.side;
        if (side !== 'buy' && side !== 'sell') throw new PayloadShapeError(`${where}: side ${JSON.stringify(side)}`);
        const remaining = decField(row, 'unfilledSize', where)!;
        const filled = decField(row, 'filledSize', where, false) ?? '0';
        out.push({
          id: expectString(row, 'order_id', where),
          clientOrderId: typeof row.cliOrdId === 'string' && row.cliOrdId !== '' ? row.cliOrdId : null,
          symbol: market.symbol,
          side,
          type: typeof o.type === 'string' ? o.type : 'limit',
          price: price(row.limitPrice),
          amount: add(remaining, filled),
          filled,
          remaining,
          reduceOnly: row.reduceOnly === true,
          positionSide: 'net',
          info: row,
        });
      });
      return out;
    },

    async fetchPriceFeed(ctx: FetchContext): Promise<AdapterPrices> {
      return tickers(ctx, await ctx.exchange.publicGetTickers(), null);
    },

    async fetchPrices(ctx: FetchContext, symbols: string[]): Promise<AdapterPrices> {
      if (!symbols.some((s) => ctx.markets[s])) return {};
      return tickers(ctx, await ctx.exchange.publicGetTickers(), new Set(symbols));
    },
  };
}

interface Sum { value: string; fields: string[] }
interface Row { total: string; wallet: Sum; upnl: Sum | null; equity: Sum }

/**
 * flex: each collateral currency's quantity, and on the USD row the open positions'
 * unrealized PnL and funding (USD-settled). Equity of the USD row as Kraken states it:
 * portfolioValue (all collateral at Kraken's USD values plus unrealized) less the other
 * currencies' USD value.
 */
function readFlex(ex: any, key: string, acc: Record<string, any>, row: (code: string) => Row): void {
  const where = `accounts.${key}`;
  const currencies = expectObject(acc.currencies, `${where}.currencies`);
  let others = '0';
  const otherFields: string[] = [];
  for (const id of Object.keys(currencies).sort()) {
    const c = expectObject(currencies[id], `${where}.currencies.${id}`);
    const quantity = decField(c, 'quantity', `${where}.currencies.${id}`)!;
    const code = ex.safeCurrencyCode(id);
    const r = row(code);
    r.total = add(r.total, quantity);
    r.wallet.value = add(r.wallet.value, quantity);
    r.wallet.fields.push(`${key}.currencies.${id}.quantity`);
    if (code !== 'USD') {
      // a collateral coin carries no PnL of its own (flex contracts settle in USD): its equity is its quantity
      r.equity.value = add(r.equity.value, quantity);
      r.equity.fields.push(`${key}.currencies.${id}.quantity`);
      others = add(others, decField(c, 'value', `${where}.currencies.${id}`)!);
      otherFields.push(id);
    }
  }
  const pnl = decField(acc, 'pnl', where)!;
  const funding = decField(acc, 'unrealizedFunding', where)!;
  const portfolioValue = decField(acc, 'portfolioValue', where)!;
  const totalUnrealized = decField(acc, 'totalUnrealized', where, false);
  const usd = row('USD');
  usd.total = add(usd.total, add(pnl, funding));
  if (!usd.wallet.fields.length) usd.wallet.fields.push(`${key}.currencies.USD.quantity (none)`);
  usd.upnl = totalUnrealized !== null
    ? { value: add(usd.upnl?.value ?? '0', totalUnrealized), fields: [...(usd.upnl?.fields ?? []), `${key}.totalUnrealized`] }
    : { value: add(usd.upnl?.value ?? '0', add(pnl, funding)), fields: [...(usd.upnl?.fields ?? []), `${key}.pnl + ${key}.unrealizedFunding`] };
  usd.equity.value = add(usd.equity.value, sub(portfolioValue, others));
  usd.equity.fields.push(otherFields.length ? `${key}.portfolioValue − ${key}.currencies.{${otherFields.join(',')}}.value` : `${key}.portfolioValue`);
}

const wanted = (ctx: FetchContext, settle: unknown) => !ctx.settleCurrencies || (typeof settle === 'string' && ctx.settleCurrencies.includes(settle));

/** Kraken Futures' envelope: {"result":"success", …, "serverTime"} (ccxt has already thrown on "error"). */
function envelope(resp: unknown, where: string): Record<string, any> {
  const r = expectObject(resp, where);
  if (r.result !== 'success') throw new PayloadShapeError(`${where}: result is ${JSON.stringify(r.result)}, not "success"`);
  return r;
}

function list(resp: unknown, where: string, field: string): Record<string, any>[] {
  return expectArray(envelope(resp, where)[field], `${where}.${field}`);
}

/** A swap or future (not an index) by Kraken's instrument id, whatever its case. */
function contractById(ctx: FetchContext, id: unknown, where: string): any {
  if (typeof id !== 'string' || id === '') throw new PayloadShapeError(`${where}: symbol is missing`);
  for (const key of [id, id.toUpperCase(), id.toLowerCase()]) {
    const byId = ctx.exchange.markets_by_id?.[key];
    const m = (Array.isArray(byId) ? byId : []).find((x: any) => x.swap === true || x.future === true);
    if (m) return m;
  }
  throw new UnknownMarketError(where, id);
}

function tickers(ctx: FetchContext, resp: unknown, only: Set<string> | null): AdapterPrices {
  const out: AdapterPrices = {};
  for (const t of list(resp, 'tickers', 'tickers')) {
    if (typeof t.symbol !== 'string') continue;
    let m: any;
    try {
      m = contractById(ctx, t.symbol, 'tickers');
    } catch {
      continue; // indices (in_xbtusd, rr_xbtusd) and instruments listed after the markets were loaded
    }
    if (only ? !only.has(m.symbol) : !wanted(ctx, m.settle)) continue;
    const p = { mark: price(t.markPrice), last: price(t.last), bid: price(t.bid), ask: price(t.ask) };
    if (hasPrice(p)) out[m.symbol] = p;
  }
  return out;
}
