import type { WorkedReservation } from '../book/book.js';
import { NOW } from '../book/holding.js';
import { floorToLot, lotStepAt } from '../book/market.js';
import { Decimal, ZERO, fmt, fmtQuotient } from '../decimal.js';
import type { LimitRule } from '../limits/rule.js';
import { normalizeIntent, type NormalizedIntent } from '../simulate/intent.js';
import { Projection, type GuardContext } from '../simulate/projection.js';
import type { Decision, DecisionMetrics, Reason } from './decision.js';

/** A decision and, when the order was understood, what the guard needs to reserve it. */
export interface Evaluation {
  decision: Decision;
  intent: NormalizedIntent | null;
  projection: Projection | null;
  /** the approved amount as a Decimal (0 when blocked) */
  approved: Decimal;
  /** the book once the approved amount is reserved, as the check worked it out */
  worked: WorkedReservation | null;
}

interface Bound {
  rule: LimitRule;
  max: Decimal;
}

/** How many lot steps the exact verification may move the closed-form answer. */
const MAX_LOT_ADJUST = 3;

function metrics(net: Decimal, gross: Decimal, equity: Decimal): DecisionMetrics {
  return { net: fmt(net), gross: fmt(gross), leverage: equity.gt(0) ? fmtQuotient(gross, equity, 8) : null, equity: fmt(equity) };
}

function bookMetrics(ctx: GuardContext): DecisionMetrics {
  const b = ctx.book;
  return metrics(b.net[NOW], b.grossNow, b.equityIn(NOW));
}

function projectedMetrics(p: Projection, q: Decimal): DecisionMetrics {
  if (q.isZero()) return metrics(p.net0, p.gross0, p.equity0);
  const o = p.outcome(q);
  return metrics(o.net, o.gross, o.equity);
}

function rejected(ctx: GuardContext, id: string, raw: unknown, code: 'INVALID_ORDER' | 'UNKNOWN_SYMBOL' | 'STALE_DATA', message: string, intent: NormalizedIntent | null): Evaluation {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const m = bookMetrics(ctx);
  const requested = intent ? fmt(intent.amount) : typeof o['amount'] === 'string' || typeof o['amount'] === 'number' ? String(o['amount']) : '0';
  const reason: Reason = { code, limit: code === 'STALE_DATA' ? 'freshness' : 'order', scope: code === 'STALE_DATA' ? 'guard' : 'order', message };
  return {
    decision: decision(id, 'block', typeof o['symbol'] === 'string' ? o['symbol'] : '', typeof o['side'] === 'string' ? o['side'] : '',
      requested, '0', [reason], m, m, ctx.config.mode === 'dryRun'),
    intent,
    projection: null,
    approved: ZERO,
    worked: null,
  };
}

function reasonOf(rule: LimitRule, p: Projection, approved: Decimal): Reason {
  const atApproved = rule.check(p, approved);
  const unclipped = rule.check(p, p.requested);
  // keys in the order of DESIGN.md's Decision JSON
  const r = { code: rule.code, limit: rule.limit, scope: rule.scope } as Reason;
  if (atApproved.threshold !== undefined) r.threshold = atApproved.threshold;
  if (unclipped.before !== undefined) r.before = unclipped.before;
  if (atApproved.after !== undefined) r.after = atApproved.after;
  if (unclipped.after !== undefined) r.unclipped = unclipped.after;
  r.message = unclipped.message;
  return r;
}

/** A Decision with its keys in the contract's order. */
function decision(id: string, action: Decision['action'], symbol: string, side: string, requested: string, approved: string,
  reasons: Reason[], before: DecisionMetrics, after: DecisionMetrics, dryRun: boolean): Decision {
  return { id, action, symbol, side, requested, approved, reasons, before, after, dryRun };
}

/**
 * The largest lot-valid amount every bound allows: the closed-form minimum rounded
 * down to the lot, then confirmed exactly, one step either way, so the answer is
 * both safe and maximal despite the one inexact division in the closed form.
 */
function fitToLot(p: Projection, bounds: Bound[]): Decimal {
  const lot = p.market.lot;
  const allows = (q: Decimal) => bounds.every((b) => b.rule.check(p, q).pass);
  let q = floorToLot(bounds[0]!.max, lot);
  for (let i = 0; i < MAX_LOT_ADJUST; i++) {
    const next = q.plus(lotStepAt(q, lot));
    if (next.gt(p.requested) || !allows(next)) break;
    q = next;
  }
  for (let i = 0; q.gt(0) && !allows(q); i++) {
    if (i >= MAX_LOT_ADJUST) return ZERO;
    // the largest lot-valid amount below q
    q = floorToLot(q.minus(lotStepAt(q, lot).div(10)), lot);
  }
  return q;
}

/** Below the market's minimum amount or cost an order cannot be placed: a resize to it is a block. */
function minimumReason(p: Projection, approved: Decimal): Reason | null {
  const m = p.market;
  if (m.minAmount && approved.lt(m.minAmount)) {
    return { code: 'MIN_AMOUNT', limit: 'market.limits.amount.min', scope: 'market', threshold: fmt(m.minAmount), after: fmt(approved), message: `the amount the limits allow, ${fmt(approved)}, is below ${m.symbol}'s minimum amount ${fmt(m.minAmount)}` };
  }
  if (m.minCost) {
    const cost = approved.mul(p.costPerUnit);
    if (cost.lt(m.minCost)) {
      return { code: 'MIN_AMOUNT', limit: 'market.limits.cost.min', scope: 'market', threshold: fmt(m.minCost), after: fmt(cost), message: `the amount the limits allow, ${fmt(approved)}, costs ${fmt(cost)} ${m.quote}, below ${m.symbol}'s minimum cost ${fmt(m.minCost)}` };
    }
  }
  return null;
}

/**
 * Decides one order against the book and the rules. Pure and synchronous: it reads
 * the context and changes nothing, so preview and check share it. It never throws
 * for a bad order; a bad order is a block with INVALID_ORDER or UNKNOWN_SYMBOL.
 */
export function decide(ctx: GuardContext, rules: readonly LimitRule[], raw: unknown, id: string, grandfathered: Decimal = ZERO): Evaluation {
  const intent = normalizeIntent(raw);
  if (typeof intent === 'string') return rejected(ctx, id, raw, 'INVALID_ORDER', intent, null);
  const book = ctx.book;
  if (intent.account !== undefined && !book.hasSource(intent.account)) {
    return rejected(ctx, id, raw, 'UNKNOWN_SYMBOL', `no account named ${intent.account}; accounts: ${book.sourceNames().join(', ')}`, intent);
  }
  const found = book.findMarket(intent.symbol, intent.account);
  if (!found) return rejected(ctx, id, raw, 'UNKNOWN_SYMBOL', `${intent.symbol} is not a market of ${intent.account ?? book.sourceNames().join(', ')}; use the exchange's unified ccxt symbol`, intent);
  const { source, market } = found;
  if (market.maxAmount && intent.amount.gt(market.maxAmount)) {
    return rejected(ctx, id, raw, 'INVALID_ORDER', `amount ${fmt(intent.amount)} exceeds ${market.symbol}'s maximum order amount ${fmt(market.maxAmount)}`, intent);
  }
  const mark = book.price(source, market.symbol);
  if (mark === null) return rejected(ctx, id, raw, 'STALE_DATA', `no price for ${market.symbol}: cannot value the order`, intent);
  const route = book.route(source, market, intent.side, intent.positionSide, intent.reduceOnly, intent.price);
  if (typeof route === 'string') return rejected(ctx, id, raw, 'INVALID_ORDER', route, intent);
  for (const leg of route.legs) {
    if (leg.holding.unitValue === null) return rejected(ctx, id, raw, 'STALE_DATA', `no price to value ${leg.holding.asset} on ${source}`, intent);
  }
  const perUnit = book.notionalPerUnit(source, market, intent.price);
  if (perUnit === null) return rejected(ctx, id, raw, 'STALE_DATA', `no price to convert ${market.quote} into ${ctx.config.quoteCurrency}`, intent);
  const fee = book.feePerUnit(source, market, intent.isMarket ? 'market' : 'limit', intent.price, perUnit);
  const p = new Projection(ctx, intent, source, market, route, mark, perUnit, fee, grandfathered);

  const blocks: LimitRule[] = [];
  const bounds: Bound[] = [];
  for (const rule of rules) {
    const max = rule.maxAmount(p);
    if (max === null) continue;
    if (rule.kind === 'block') blocks.push(rule);
    else bounds.push({ rule, max: max.lt(0) ? ZERO : max });
  }
  const dryRun = ctx.config.mode === 'dryRun';
  const requested = fmt(intent.amount);
  const before = projectedMetrics(p, ZERO);
  const make = (action: Decision['action'], approved: Decimal, reasons: Reason[]): Evaluation => ({
    decision: decision(id, action, market.symbol, intent.side, requested, fmt(approved), reasons, before,
      approved.isZero() ? before : projectedMetrics(p, approved), dryRun),
    intent,
    projection: p,
    approved,
    // what reserving the approved amount does to the book, already worked out for `after`
    worked: approved.isZero() ? null : p.outcome(approved),
  });

  if (blocks.length) return make('block', ZERO, blocks.map((r) => reasonOf(r, p, ZERO)));
  if (bounds.length === 0) return make('allow', p.requested, []);
  // the binding limit first; equal maxima keep the rules' own order
  bounds.sort((a, b) => a.max.comparedTo(b.max));
  let approved = fitToLot(p, bounds);
  if (approved.gte(p.requested)) return make('allow', p.requested, []);
  const binding = bounds.filter((b) => !b.rule.check(p, p.requested).pass);
  const reasonRules = binding.length ? binding : bounds;
  let reasons = reasonRules.map((b) => reasonOf(b.rule, p, approved));
  let action: Decision['action'] = 'resize';
  if (approved.lte(0)) {
    action = 'block';
    approved = ZERO;
  } else {
    const min = minimumReason(p, approved);
    if (min) {
      action = 'block';
      approved = ZERO;
      reasons = [min, ...reasonRules.map((b) => reasonOf(b.rule, p, ZERO))];
    }
  }
  if (action === 'resize' && ctx.config.onBreach === 'block') {
    action = 'block';
    approved = ZERO;
    reasons = reasonRules.map((b) => reasonOf(b.rule, p, ZERO));
  }
  return make(action, approved, reasons);
}
