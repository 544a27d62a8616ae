import { AsyncLocalStorage } from 'node:async_hooks';
import { OrderNotFound } from 'ccxt';
import { Decimal, parseDecimal } from '../decimal.js';
import type { Decision } from '../guard/decision.js';
import type { OrderUpdate } from '../guard/lifecycle.js';
import type { RiskGuard } from '../guard/risk-guard.js';
import { outcomeOf } from './outcome.js';
import { RiskGuardRejection } from './rejection.js';

/**
 * Which ccxt order methods are checked. ccxt's order methods come in a few shapes; every
 * method of one of these shapes is wrapped (createOrder, createOrders, editOrder, and the
 * exchange-specific ones that go straight to the network, such as binance's
 * editContractOrder or createSpotOrders). The rest (createMarketBuyOrder, createStopLossOrder,
 * createMarketOrderWithCost, editLimitOrder…) reach the exchange through one of them on
 * `this`. A test walks ccxt's method list to prove it.
 */
const SHAPES: Record<string, 'place' | 'placeOnMarket' | 'edit' | 'batch' | 'twap'> = {
  'symbol,type,side,amount,price,params': 'place',
  'market,type,side,amount,price,marginMode,params': 'placeOnMarket',
  'id,symbol,type,side,amount,price,params': 'edit',
  'orders,params': 'batch',
  'symbol,side,amount,duration,params': 'twap',
};
export const CANCELLING_METHODS = ['cancelOrder', 'cancelOrderWs', 'cancelOrders', 'cancelOrdersWs', 'cancelAllOrders', 'cancelAllOrdersWs'] as const;

function paramNames(fn: unknown): string {
  const m = /^[^(]*\(([^)]*)\)/.exec(String(fn));
  return (m?.[1] ?? '').split(',').map((p) => p.trim().split(/\s|=/)[0]).filter(Boolean).join(',');
}

/** The exchange's order methods and the shape of each, read off ccxt's own method list. */
function orderMethodShapes(ex: object): Map<string, (typeof SHAPES)[string]> {
  const out = new Map<string, (typeof SHAPES)[string]>();
  for (let p = Object.getPrototypeOf(ex); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (out.has(name) || !/^(create|edit)\w*Orders?(Ws)?$/.test(name)) continue;
      const shape = SHAPES[paramNames((p as Record<string, unknown>)[name])];
      if (shape) out.set(name, shape);
    }
  }
  return out;
}

/** Set while a guarded call runs: methods it calls on `this` pass straight through (one check per order). */
const guarded = new AsyncLocalStorage<true>();

export interface WrapOptions {
  /** the guard's source (account) this exchange trades; found from its adapter when omitted */
  account?: string;
  /** follow fills through ccxt pro's watchOrders where the exchange has it */
  watchOrders?: boolean;
  /**
   * An order whose request timed out is only taken as never placed when the exchange
   * still does not know it this long after (the exchange may be slow to register it).
   */
  lostOrderGraceMs?: number;
}

type Params = Record<string, unknown>;
type AnyFn = (...args: any[]) => Promise<any>;
interface OrderArgs { symbol: string; type: string; side: string; amount: unknown; price?: unknown; params?: Params }

const WRAPPED = Symbol.for('risk-guard.wrapped');
const CLIENT_ID_KEYS = ['clientOrderId', 'newClientOrderId', 'clOrdId', 'orderLinkId', 'text', 'client_oid', 'clientOid'];

/** Puts the guard in front of an exchange's order methods; the same object comes back. */
export function wrapExchange<T extends object>(guard: RiskGuard, exchange: T, opts: WrapOptions = {}): T {
  const ex = exchange as Record<string | symbol, any>;
  if (ex[WRAPPED]) return exchange;
  const account = opts.account ?? guard.accountOf(exchange);
  const original = (name: string): AnyFn | null => (typeof ex[name] === 'function' ? (ex[name] as AnyFn).bind(ex) : null);
  const shapes = orderMethodShapes(exchange);
  const originals = new Map<string, AnyFn>();
  for (const name of [...shapes.keys(), ...CANCELLING_METHODS, 'fetchOrder']) {
    const fn = original(name);
    if (fn) originals.set(name, fn);
  }
  /** Installs a checked method; inside another checked call it is the original. */
  const install = (name: string, checked: AnyFn) => {
    const send = originals.get(name)!;
    ex[name] = (...args: unknown[]) => (guarded.getStore() ? send(...args) : guarded.run(true, () => checked(...args)));
  };

  const attach = (order: unknown, decision: Decision) => {
    if (order && typeof order === 'object') (order as Record<string, unknown>)['riskGuard'] = decision;
    return order;
  };

  /** A cost order (params.cost / quoteOrderQty) sizes in quote currency: the guard reasons in amount. */
  const costMode = (a: OrderArgs): { cost: Decimal; perUnit: Decimal; key: string } | null => {
    const key = a.params && (a.params['cost'] !== undefined ? 'cost' : a.params['quoteOrderQty'] !== undefined ? 'quoteOrderQty' : null);
    if (!key) return null;
    const cost = parseDecimal(a.params![key]);
    const found = guard.book.findMarket(a.symbol, account);
    const perUnit = found ? guard.book.notionalPerUnit(account, found.market, parseDecimal(a.price) ?? null) : null;
    if (cost === null || perUnit === null || perUnit.isZero()) return null;
    return { cost, perUnit, key };
  };

  const intentOf = (a: OrderArgs, cost: ReturnType<typeof costMode>) => ({
    symbol: a.symbol,
    side: a.side,
    type: a.type,
    amount: cost ? cost.cost.div(cost.perUnit).toString() : a.amount,
    price: a.type?.toLowerCase?.().includes('market') ? undefined : a.price,
    params: a.params ?? {},
    account,
  });

  /** The arguments to send: the approved amount, and a client order id the guard can follow. */
  const sendable = (a: OrderArgs, d: Decision, cost: ReturnType<typeof costMode>): OrderArgs => {
    const params: Params = { ...(a.params ?? {}) };
    if (!CLIENT_ID_KEYS.some((k) => params[k] !== undefined)) params['clientOrderId'] = d.id;
    if (d.dryRun || d.action === 'allow') return { ...a, params };
    if (cost) {
      const approvedCost = new Decimal(d.approved).mul(cost.perUnit).toDecimalPlaces(8, Decimal.ROUND_DOWN);
      params[cost.key] = approvedCost.toNumber();
      return { ...a, amount: approvedCost.toNumber(), params };
    }
    return { ...a, amount: Number(d.approved), params };
  };

  const settleFailure = (d: Decision, err: unknown) => {
    if (outcomeOf(err) === 'rejected') guard.lifecycle.rejected(d.id);
    else guard.lifecycle.unknown(d.id);
    guard.orderEvent();
  };

  const acknowledge = (d: Decision, order: unknown) => {
    if (order && typeof order === 'object' && ((order as OrderUpdate).id || (order as OrderUpdate).status)) {
      guard.lifecycle.acknowledge(d.id, order as OrderUpdate);
    } else {
      guard.lifecycle.unknown(d.id); // an answer without an order: the exchange will tell
    }
    guard.orderEvent();
  };

  const place = (name: string, onMarket = false) => {
    const send = originals.get(name);
    if (!send) return;
    // ccxt's createReduceOnlyOrder adds the flag inside; the guard must know it up front
    const reduceOnlyMethod = /ReduceOnly/.test(name);
    install(name, async (symbolOrMarket: unknown, type: string, side: string, amount: unknown, price?: unknown, ...rest: unknown[]) => {
      const given = ((onMarket ? rest[1] : rest[0]) ?? {}) as Params;
      const params = reduceOnlyMethod ? { ...given, reduceOnly: true } : given;
      const symbol = onMarket ? String((symbolOrMarket as { symbol?: string })?.symbol) : String(symbolOrMarket);
      const args: OrderArgs = { symbol, type, side, amount, price, params };
      const cost = costMode(args);
      const d = await guard.check(intentOf(args, cost));
      if (d.action === 'block' && !d.dryRun) throw new RiskGuardRejection(d);
      const out = sendable(args, d, cost);
      guard.lifecycle.inflight(d.id);
      let order: unknown;
      try {
        // sendable() made a fresh params object: the flag this wrapper added comes off it again
        const sentParams = out.params ?? {};
        if (reduceOnlyMethod && given['reduceOnly'] === undefined) delete sentParams['reduceOnly'];
        order = onMarket
          ? await send(symbolOrMarket, out.type, out.side, out.amount, out.price, rest[0], sentParams)
          : await send(out.symbol, out.type, out.side, out.amount, out.price, sentParams);
      } catch (err) {
        settleFailure(d, err);
        throw err;
      }
      acknowledge(d, order);
      return attach(order, d);
    });
  };

  /** A TWAP order places its whole amount over time: checked as one market order. */
  const twap = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (symbol: string, side: string, amount: unknown, duration: unknown, params: Params = {}) => {
      const args: OrderArgs = { symbol, type: 'market', side, amount, params };
      const d = await guard.check(intentOf(args, null));
      if (d.action === 'block' && !d.dryRun) throw new RiskGuardRejection(d);
      const out = sendable(args, d, null);
      guard.lifecycle.inflight(d.id);
      try {
        const order = await send(symbol, side, out.amount, duration, out.params);
        acknowledge(d, order);
        return attach(order, d);
      } catch (err) {
        settleFailure(d, err);
        throw err;
      }
    });
  };

  const placeBatch = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (orders: OrderArgs[], params: Params = {}) => {
      if (!Array.isArray(orders)) return send(orders, params);
      const costs = orders.map(costMode);
      const decisions = await guard.checkBatch(orders.map((o, i) => intentOf(o, costs[i]!)));
      const blocked = decisions.find((d) => d.action === 'block' && !d.dryRun);
      if (blocked) {
        for (const d of decisions) guard.release(d.id);
        throw new RiskGuardRejection(blocked, decisions);
      }
      const out = orders.map((o, i) => sendable(o, decisions[i]!, costs[i]!));
      for (const d of decisions) guard.lifecycle.inflight(d.id);
      let result: unknown[];
      try {
        result = await send(out, params);
      } catch (err) {
        for (const d of decisions) settleFailure(d, err);
        throw err;
      }
      decisions.forEach((d, i) => {
        const o = result?.[i] as (OrderUpdate & { status?: string }) | undefined;
        if (o && o.id && o.status !== 'rejected') acknowledge(d, o);
        else guard.lifecycle.rejected(d.id); // the exchange refused this one of the batch
        attach(o, d);
      });
      guard.orderEvent();
      return result;
    });
  };

  const edit = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (id: string, symbol: string, type: string, side: string, amount?: unknown, price?: unknown, params: Params = {}) => {
      const ids = { id: id || null, clientOrderId: (params?.['clientOrderId'] ?? params?.['origClientOrderId'] ?? null) as string | null };
      const existing = guard.book.findOrder(account, ids);
      const args: OrderArgs = { symbol, type, side, amount: amount ?? existing?.remaining.toString(), price, params };
      const { decision: d, replaced } = guard.checkReplacement(account, ids, intentOf(args, null));
      if (d.action === 'block' && !d.dryRun) throw new RiskGuardRejection(d);
      const out = d.dryRun || d.action === 'allow' ? args : { ...args, amount: Number(d.approved) };
      guard.lifecycle.inflight(d.id);
      let order: unknown;
      try {
        order = await send(id, out.symbol, out.type, out.side, out.amount, out.price, out.params);
      } catch (err) {
        // the old order still stands as it was: count it again (and the edit too, if it may have landed)
        settleFailure(d, err);
        if (replaced) guard.restore(replaced);
        throw err;
      }
      if (replaced && guard.book.getPending(replaced.id)) guard.book.removePending(replaced.id);
      acknowledge(d, order);
      return attach(order, d);
    });
  };

  const editBatch = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (orders: Array<OrderArgs & { id: string }>, params: Params = {}) => {
      if (!Array.isArray(orders)) return send(orders, params);
      const checked = orders.map((o) => {
        const ids = { id: o.id, clientOrderId: (o.params?.['clientOrderId'] ?? null) as string | null };
        const existing = guard.book.findOrder(account, ids);
        const args: OrderArgs = { ...o, amount: o.amount ?? existing?.remaining.toString() };
        return { args, ...guard.checkReplacement(account, ids, intentOf(args, null)) };
      });
      const blocked = checked.find((c) => c.decision.action === 'block' && !c.decision.dryRun);
      if (blocked) {
        for (const c of checked) {
          guard.release(c.decision.id);
          if (c.replaced) guard.restore(c.replaced);
        }
        throw new RiskGuardRejection(blocked.decision, checked.map((c) => c.decision));
      }
      const out = checked.map((c) => ({ ...orders[checked.indexOf(c)]!, amount: c.decision.dryRun || c.decision.action === 'allow' ? c.args.amount : Number(c.decision.approved) }));
      let result: unknown[];
      try {
        result = await send(out, params);
      } catch (err) {
        for (const c of checked) {
          settleFailure(c.decision, err);
          if (c.replaced) guard.restore(c.replaced);
        }
        throw err;
      }
      checked.forEach((c, i) => {
        const o = result?.[i] as OrderUpdate | undefined;
        if (o && o.id) {
          if (c.replaced && guard.book.getPending(c.replaced.id)) guard.book.removePending(c.replaced.id);
          acknowledge(c.decision, o);
        } else {
          guard.lifecycle.rejected(c.decision.id);
          if (c.replaced) guard.restore(c.replaced);
        }
        attach(o, c.decision);
      });
      return result;
    });
  };

  const cancelOne = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    ex[name] = async (id: string, symbol?: string, params: Params = {}) => {
      let res: unknown;
      try {
        res = await send(id, symbol, params);
      } catch (err) {
        // not found: it filled or was cancelled already; the next snapshot shows which
        if (err instanceof OrderNotFound) guard.orderEvent();
        throw err;
      }
      const o = (res && typeof res === 'object' ? res : {}) as OrderUpdate;
      guard.lifecycle.cancelled(account, { id: id || o.id || null, clientOrderId: (params?.['clientOrderId'] as string) ?? o.clientOrderId ?? null }, o);
      guard.orderEvent();
      return res;
    };
  };

  const cancelMany = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    ex[name] = async (ids: string[], symbol?: string, params: Params = {}) => {
      const res = await send(ids, symbol, params);
      for (const id of Array.isArray(ids) ? ids : []) guard.lifecycle.cancelled(account, { id });
      guard.orderEvent();
      return res;
    };
  };

  const cancelAll = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    ex[name] = async (symbol?: string, params: Params = {}) => {
      const res = await send(symbol, params);
      guard.lifecycle.cancelledAll(account, symbol);
      guard.orderEvent();
      return res;
    };
  };

  for (const [name, shape] of shapes) {
    if (shape === 'place') place(name);
    else if (shape === 'placeOnMarket') place(name, true);
    else if (shape === 'edit') edit(name);
    else if (shape === 'twap') twap(name);
    else if (name.startsWith('edit')) editBatch(name);
    else placeBatch(name);
  }
  cancelOne('cancelOrder');
  cancelOne('cancelOrderWs');
  cancelMany('cancelOrders');
  cancelMany('cancelOrdersWs');
  cancelAll('cancelAllOrders');
  cancelAll('cancelAllOrdersWs');

  // orders lost in transit: ask the exchange by client order id after each refresh
  const fetchOrder = originals.get('fetchOrder');
  const grace = opts.lostOrderGraceMs ?? 10_000;
  if (fetchOrder && ex['has']?.['fetchOrder']) {
    guard.setResolver(async (source) => {
      if (source !== account) return;
      for (const p of guard.lifecycle.unknownOrders(source)) {
        try {
          const o = (await fetchOrder(p.exchangeOrderId ?? undefined, p.symbol, p.clientOrderId ? { clientOrderId: p.clientOrderId } : {})) as OrderUpdate;
          guard.lifecycle.update(source, { ...o, clientOrderId: o.clientOrderId ?? p.clientOrderId ?? null });
        } catch (err) {
          // not found well after the timeout: it never landed
          if (err instanceof OrderNotFound && guard.now() - (p.unknownSince ?? 0) >= grace) guard.lifecycle.rejected(p.id);
          // anything else: keep it reserved and ask again after the next refresh
        }
      }
    });
  }

  if (opts.watchOrders && ex['has']?.['watchOrders'] && typeof ex['watchOrders'] === 'function') {
    void (async () => {
      while (!guard.isClosed) {
        try {
          const orders = (await ex['watchOrders']()) as OrderUpdate[];
          for (const o of orders ?? []) guard.onOrderUpdate(o, { account });
        } catch (err) {
          if (guard.isClosed) break;
          guard.reportError(err instanceof Error ? err : new Error(String(err)), account);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }

  Object.defineProperty(ex, WRAPPED, { value: { guard, account }, enumerable: false });
  return exchange;
}
