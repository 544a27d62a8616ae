import { AsyncLocalStorage } from 'node:async_hooks';
import { Decimal, parseDecimal } from '../number.js';
import type { Decision } from '../guard/decision.js';
import type { OrderGate, OrderRef } from '../guard/order-gate.js';
import { failureOf } from './failure.js';
import { rejectionFor } from './rejection.js';

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
  /** the guard's account this exchange trades; found from its adapter when omitted */
  account?: string;
  /** follow fills through ccxt pro's watchOrders where the exchange has it */
  watchOrders?: boolean;
}

type Params = Record<string, unknown>;
type AnyFn = (...args: any[]) => Promise<any>;
interface OrderArgs { symbol: string; type: string; side: string; amount: unknown; price?: unknown; params?: Params }

const WRAPPED = Symbol.for('risk-guard.wrapped');
const CLIENT_ID_KEYS = ['clientOrderId', 'newClientOrderId', 'clOrdId', 'orderLinkId', 'text', 'client_oid', 'clientOid'];

/** Is this an order as ccxt returns it (an id or a status), not an empty answer? */
function isOrder(x: unknown): x is { id?: unknown; status?: unknown } {
  return !!x && typeof x === 'object' && (!!(x as { id?: unknown }).id || typeof (x as { status?: unknown }).status === 'string');
}

/** An order as a wrapped exchange returns it: the exchange's own, carrying the guard's Decision. */
export type GuardedOrder<O> = O & { riskGuard: Decision };

/** What an order method of a wrapped exchange resolves to: its order, or each order of a batch, with the Decision. */
export type WithDecision<R> = R extends readonly (infer O)[]
  ? Array<O extends object ? GuardedOrder<O> : O>
  : R extends object ? GuardedOrder<R> : R;

/** ccxt's order-placing and order-editing methods (createOrder, createOrders, editOrder, createMarketBuyOrder, createOrderWs…). */
type OrderMethodName = `create${string}Order${string}` | `edit${string}Order${string}`;

/** The order methods of T, each resolving to orders that carry `riskGuard`. */
export type GuardedOrderMethods<T> = {
  [K in keyof T as K extends OrderMethodName ? (T[K] extends (...args: any[]) => Promise<any> ? K : never) : never]:
    T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<WithDecision<R>> : never;
};

/**
 * The type `guard.wrap(exchange)` returns: the same exchange (still assignable to its own
 * type), on which every order method's result carries the Decision in `order.riskGuard`.
 */
export type GuardedExchange<T> = GuardedOrderMethods<T> & T;

/** Puts the guard in front of an exchange's order methods; the same object comes back. */
export function wrapExchange<T extends object>(gate: OrderGate, exchange: T, opts: WrapOptions = {}): GuardedExchange<T> {
  const ex = exchange as Record<string | symbol, any>;
  if (ex[WRAPPED]) return exchange as GuardedExchange<T>;
  // a blocked order throws an InvalidOrder of the exchange's own ccxt (the bot's copy)
  const RiskGuardRejection = rejectionFor(exchange);
  const account = opts.account ?? gate.accountOf(exchange);
  const shapes = orderMethodShapes(exchange);
  const originals = new Map<string, AnyFn>();
  for (const name of [...shapes.keys(), ...CANCELLING_METHODS]) {
    if (typeof ex[name] === 'function') originals.set(name, (ex[name] as AnyFn).bind(ex));
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

  const blocked = (d: Decision) => d.action === 'block' && !d.dryRun;

  /**
   * The one path of every checked request: the approved decisions' request goes out, then
   * each decision is settled by its answer — the order (open, filled or final), or nothing
   * (refused in a batch; of unknown fate alone) — or by the failure, refused or unknown.
   */
  const submit = async <R>(decisions: Decision[], request: () => Promise<R>, answers: (result: R) => unknown[], batch: boolean): Promise<R> => {
    for (const d of decisions) gate.sent(d.id);
    let result: R;
    try {
      result = await request();
    } catch (err) {
      const failure = failureOf(err);
      for (const d of decisions) gate.failed(d.id, failure);
      throw err;
    }
    const list = answers(result);
    decisions.forEach((d, i) => {
      const o = list[i];
      // one order of a batch the exchange refused comes back without an id
      if (batch && (!isOrder(o) || (o as { status?: unknown }).status === 'rejected')) gate.failed(d.id, 'refused');
      else gate.answered(d.id, o);
      attach(o, d);
    });
    return result;
  };

  /** A cost order (params.cost / quoteOrderQty) sizes in quote currency: the guard reasons in amount. */
  const costMode = (a: OrderArgs): { cost: Decimal; perUnit: Decimal; key: string } | null => {
    const key = a.params && (a.params['cost'] !== undefined ? 'cost' : a.params['quoteOrderQty'] !== undefined ? 'quoteOrderQty' : null);
    if (!key) return null;
    const cost = parseDecimal(a.params![key]);
    const perUnit = gate.notionalPerUnit(account, a.symbol, parseDecimal(a.price) ?? null);
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
      const d = await gate.check(intentOf(args, cost));
      if (blocked(d)) throw new RiskGuardRejection(d);
      const out = sendable(args, d, cost);
      // sendable() made a fresh params object: the flag this wrapper added comes off it again
      const sentParams = out.params ?? {};
      if (reduceOnlyMethod && given['reduceOnly'] === undefined) delete sentParams['reduceOnly'];
      return submit([d], () => (onMarket
        ? send(symbolOrMarket, out.type, out.side, out.amount, out.price, rest[0], sentParams)
        : send(out.symbol, out.type, out.side, out.amount, out.price, sentParams)), (o) => [o], false);
    });
  };

  /** A TWAP order places its whole amount over time: checked as one market order. */
  const twap = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (symbol: string, side: string, amount: unknown, duration: unknown, params: Params = {}) => {
      const args: OrderArgs = { symbol, type: 'market', side, amount, params };
      const d = await gate.check(intentOf(args, null));
      if (blocked(d)) throw new RiskGuardRejection(d);
      const out = sendable(args, d, null);
      return submit([d], () => send(symbol, side, out.amount, duration, out.params), (o) => [o], false);
    });
  };

  const placeBatch = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (orders: OrderArgs[], params: Params = {}) => {
      if (!Array.isArray(orders)) return send(orders, params);
      const costs = orders.map(costMode);
      const decisions = await gate.checkBatch(orders.map((o, i) => intentOf(o, costs[i]!)));
      const stop = decisions.find(blocked);
      if (stop) {
        // a batch is placed whole or not at all
        for (const d of decisions) gate.release(d.id);
        throw new RiskGuardRejection(stop, decisions);
      }
      const out = orders.map((o, i) => sendable(o, decisions[i]!, costs[i]!));
      return submit(decisions, () => send(out, params), (r) => (Array.isArray(r) ? r : []), true);
    });
  };

  /** The order an edit is about: the exchange's id, or the client order id in params. */
  const refOf = (id: unknown, params: Params | undefined): OrderRef => ({
    id: id ? String(id) : null,
    clientOrderId: (params?.['clientOrderId'] ?? params?.['origClientOrderId'] ?? null) as string | null,
  });

  const edit = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (id: string, symbol: string, type: string, side: string, amount?: unknown, price?: unknown, params: Params = {}) => {
      const d = gate.checkReplacement(account, refOf(id, params), intentOf({ symbol, type, side, amount, price, params }, null));
      if (blocked(d)) throw new RiskGuardRejection(d);
      const sendAmount = d.dryRun || d.action === 'allow' ? amount : Number(d.approved);
      return submit([d], () => send(id, symbol, type, side, sendAmount, price, params), (o) => [o], false);
    });
  };

  const editBatch = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    install(name, async (orders: Array<OrderArgs & { id: string }>, params: Params = {}) => {
      if (!Array.isArray(orders)) return send(orders, params);
      const decisions = orders.map((o) => gate.checkReplacement(account, refOf(o.id, o.params), intentOf(o, null)));
      const stop = decisions.find(blocked);
      if (stop) {
        for (const d of decisions) gate.release(d.id);
        throw new RiskGuardRejection(stop, decisions);
      }
      const out = orders.map((o, i) => {
        const d = decisions[i]!;
        return d.dryRun || d.action === 'allow' ? o : { ...o, amount: Number(d.approved) };
      });
      return submit(decisions, () => send(out, params), (r) => (Array.isArray(r) ? r : []), true);
    });
  };

  const cancelOne = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    ex[name] = async (id: string, symbol?: string, params: Params = {}) => {
      // a failed cancel changes nothing the guard counts: not found means it filled or was cancelled, which a read shows
      const res = await send(id, symbol, params);
      const o = isOrder(res) ? (res as Record<string, unknown>) : undefined;
      gate.cancelled(account, { id: id || (o?.['id'] as string | undefined) || null, clientOrderId: (params?.['clientOrderId'] as string | undefined) ?? (o?.['clientOrderId'] as string | undefined) ?? null }, o);
      return res;
    };
  };

  const cancelMany = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    ex[name] = async (ids: string[], symbol?: string, params: Params = {}) => {
      const res = await send(ids, symbol, params);
      const answers = Array.isArray(res) ? res : [];
      for (const id of Array.isArray(ids) ? ids : []) {
        const o = answers.find((a) => isOrder(a) && String((a as { id?: unknown }).id) === String(id));
        gate.cancelled(account, { id: String(id) }, o);
      }
      return res;
    };
  };

  const cancelAll = (name: string) => {
    const send = originals.get(name);
    if (!send) return;
    ex[name] = async (symbol?: string, params: Params = {}) => {
      const res = await send(symbol, params);
      gate.cancelledAll(account, symbol);
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

  if (opts.watchOrders && ex['has']?.['watchOrders'] && typeof ex['watchOrders'] === 'function') {
    void (async () => {
      while (!gate.isClosed) {
        try {
          const orders = (await ex['watchOrders']()) as Record<string, unknown>[];
          for (const o of orders ?? []) gate.onOrderUpdate(o, { account });
        } catch (err) {
          if (gate.isClosed) break;
          gate.reportError(err instanceof Error ? err : new Error(String(err)), account);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }

  Object.defineProperty(ex, WRAPPED, { value: { gate, account }, enumerable: false });
  return exchange as GuardedExchange<T>;
}
