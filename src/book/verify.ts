import { Decimal, ZERO, absOf, fmt, largerAbs } from '../number.js';
import { times, type Aggregates } from './aggregates.js';
import { BUYS, NOW, SELLS, type Holding } from './holding.js';
import type { PendingStore } from './pending.js';
import type { Valuation } from './valuation.js';

/**
 * Recomputes everything the book keeps incrementally, from scratch, and compares exactly:
 * each holding's pending amounts from the pending items, its unit value from the prices,
 * its notionals from its units, every sum from the holdings, the fees from the items, the
 * open-order counts from the orders. Returns what disagrees (nothing when the book is sound).
 * Property tests run it after every step; it walks the whole book, so never on the order path.
 */
export function verifyBook(ag: Aggregates, pending: PendingStore, valuation: Valuation): string[] {
  const problems: string[] = [];
  const differ = (what: string, kept: Decimal, fresh: Decimal) => {
    if (!kept.eq(fresh)) problems.push(`${what}: kept ${fmt(kept)}, from scratch ${fmt(fresh)}`);
  };

  // each holding's pending amounts, from the pending items
  interface Claims { deltaBuys: Decimal; deltaSells: Decimal; closingBuys: Decimal; closingSells: Decimal; claimedByBuys: Decimal; claimedBySells: Decimal }
  const claims = new Map<Holding, Claims>();
  const of = (h: Holding) => {
    let c = claims.get(h);
    if (!c) claims.set(h, (c = { deltaBuys: ZERO, deltaSells: ZERO, closingBuys: ZERO, closingSells: ZERO, claimedByBuys: ZERO, claimedBySells: ZERO }));
    return c;
  };
  let feeBuys = ZERO;
  let feeSells = ZERO;
  let slots = 0;
  const perSymbol = new Map<string, number>();
  for (const item of pending.all()) {
    const r = item.route;
    const buy = r.direction === 1;
    for (const h of [r.target, ...r.legs.map((l) => l.holding)]) if (h && !ag.owns(h)) problems.push(`pending ${item.id} routes through ${h.key}, which is not in the book`);
    if (item.kind === 'order' && item.stage !== 'cancelled') {
      slots++;
      const k = `${item.account}|${item.symbol}`;
      perSymbol.set(k, (perSymbol.get(k) ?? 0) + 1);
    }
    const n = item.counted;
    if (n.isZero()) continue;
    if (n.lt(0)) problems.push(`pending ${item.id} counts a negative amount ${fmt(n)}`);
    if (!item.countedFee.isZero()) {
      if (buy) feeBuys = feeBuys.plus(item.countedFee.mul(n));
      else feeSells = feeSells.plus(item.countedFee.mul(n));
    }
    if (r.target) {
      const c = of(r.target);
      if (buy) c.claimedByBuys = c.claimedByBuys.plus(n);
      else c.claimedBySells = c.claimedBySells.plus(n);
      if (r.closing) {
        if (buy) c.closingBuys = c.closingBuys.plus(n);
        else c.closingSells = c.closingSells.plus(n);
      }
    }
    if (!r.closing) {
      for (const leg of r.legs) {
        const c = of(leg.holding);
        const du = times(leg.unitsPerAmount, n);
        if (buy) c.deltaBuys = c.deltaBuys.plus(du);
        else c.deltaSells = c.deltaSells.plus(du);
      }
    }
  }
  differ('fees of pending buys', ag.fees[BUYS], feeBuys);
  differ('fees of pending sells', ag.fees[SELLS], feeSells);
  if (pending.openOrderCount !== slots) problems.push(`open orders: kept ${pending.openOrderCount}, from scratch ${slots}`);
  for (const [k, n] of perSymbol) {
    const [account, symbol] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
    if (pending.openOrdersOn(account, symbol) !== n) problems.push(`open orders on ${k}: kept ${pending.openOrdersOn(account, symbol)}, from scratch ${n}`);
  }

  // notionals and sums, from the holdings
  const net = [ZERO, ZERO, ZERO];
  const assets = new Map<string, Decimal[]>();
  let grossNow = ZERO;
  let grossWorst = ZERO;
  let balanceValue = ZERO;
  for (const h of ag.allHoldings()) {
    const c = claims.get(h) ?? of(h);
    for (const f of ['deltaBuys', 'deltaSells', 'closingBuys', 'closingSells', 'claimedByBuys', 'claimedBySells'] as const) differ(`${h.key} ${f}`, h[f], c[f]);
    if (!h.attached) {
      problems.push(`${h.key} is in the book but not in the sums`);
      continue;
    }
    const value = valuation.peek(h);
    if ((value === null) !== (h.unitValue === null) || (value !== null && !value.eq(h.unitValue!))) {
      problems.push(`${h.key} unit value: kept ${h.unitValue === null ? 'none' : fmt(h.unitValue)}, from the prices ${value === null ? 'none' : fmt(value)}`);
    }
    if (ag.isUnpriced(h) !== (h.unitValue === null && !h.isEmpty)) problems.push(`${h.key}: unpriced list disagrees`);
    if (h.unitValue === null) continue;
    const v = h.unitValue;
    const a = assets.get(h.asset) ?? [ZERO, ZERO, ZERO];
    assets.set(h.asset, a);
    for (const s of [NOW, BUYS, SELLS] as const) {
      const fresh = times(h.unitsIn(s), v);
      differ(`${h.key} notional[${s}]`, h.notional[s], fresh);
      net[s] = net[s]!.plus(fresh);
      a[s] = a[s]!.plus(fresh);
    }
    grossNow = grossNow.plus(absOf(times(h.units, v)));
    const worst = largerAbs(times(h.unitsIn(BUYS), v), times(h.unitsIn(SELLS), v));
    differ(`${h.key} worst`, h.worst, worst);
    grossWorst = grossWorst.plus(worst);
    if (h.instrument === 'balance') balanceValue = balanceValue.plus(times(h.units, v));
  }
  for (const [h] of claims) if (!ag.owns(h)) problems.push(`pending items claim ${h.key}, which is not in the book`);
  for (const s of [NOW, BUYS, SELLS] as const) differ(`net[${s}]`, ag.net[s], net[s]!);
  for (const name of new Set([...ag.assetNames(), ...assets.keys()])) {
    const a = assets.get(name) ?? [ZERO, ZERO, ZERO];
    for (const s of [NOW, BUYS, SELLS] as const) differ(`asset ${name}[${s}]`, ag.assetExposure(name, s), a[s]!);
  }
  differ('grossNow', ag.grossNow, grossNow);
  differ('grossWorst', ag.grossWorst, grossWorst);
  differ('balance value', ag.balanceValue, balanceValue);
  let cash = ZERO;
  for (const account of ag.accountsWithCash()) for (const v of ag.cashOf(account).values()) cash = cash.plus(v);
  differ('cash', ag.cashTotal, cash);
  return problems;
}
