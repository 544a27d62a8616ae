import { scenarioOf } from '../book/holding.js';
import { floorToLot, lotStepAt } from '../book/market.js';
import { marketMinimum, type LimitRule, type Reason } from '../limits/index.js';
import { Decimal, ZERO, fmt, fmtQuotient } from '../number.js';
import { normalizeIntent, type NormalizedIntent } from '../projection/intent.js';
import { equityWorst, grossWorst, netIn } from '../projection/metrics.js';
import { Projection, type GuardContext, type ProjectedState } from '../projection/projection.js';
import type { Decision, DecisionMetrics } from './decision.js';

/** A decision and, when the order was understood, what the guard needs to count it. */
export interface Evaluation {
  decision: Decision;
  intent: NormalizedIntent | null;
  projection: Projection | null;
  /** the approved amount as a Decimal (0 when blocked) */
  approved: Decimal;
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

function stateMetrics(s: ProjectedState): DecisionMetrics {
  return metrics(s.net, s.gross, s.equity);
}

/** The account as the limits read it, for an order that was not understood (no projection): net in the order's direction when it has one. */
function bookMetrics(ctx: GuardContext, side: unknown): DecisionMetrics {
  const b = ctx.book;
  const net = side === 'buy' || side === 'sell' ? netIn(b, scenarioOf(side === 'buy' ? 1 : -1)) : b.aggregates.net[0];
  return metrics(net, grossWorst(b), equityWorst(b));
}

function refused(ctx: GuardContext, id: string, raw: unknown, code: 'INVALID_ORDER' | 'UNKNOWN_SYMBOL' | 'STALE_DATA', message: string, intent: NormalizedIntent | null): Evaluation {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const m = bookMetrics(ctx, o['side']);
  const requested = intent ? fmt(intent.amount) : typeof o['amount'] === 'string' || typeof o['amount'] === 'number' ? String(o['amount']) : '0';
  const reason: Reason = { code, limit: code === 'STALE_DATA' ? 'freshness' : 'order', scope: code === 'STALE_DATA' ? 'guard' : 'order', message };
  return {
    decision: decision(id, 'block', typeof o['symbol'] === 'string' ? o['symbol'] : '', typeof o['side'] === 'string' ? o['side'] : '',
      requested, '0', [reason], m, m, ctx.config.mode === 'dryRun'),
    intent,
    projection: null,
    approved: ZERO,
  };
}

function reasonOf(rule: LimitRule, p: Projection, approved: Decimal): Reason {
  const atApproved = rule.check(p, approved);
  const unclipped = rule.check(p, p.requested);
  // keys in the order of the Decision JSON; the message goes last
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

export interface DecideOptions {
  /** what an edited order already has counted: up to it, nothing is new */
  grandfathered?: Decimal;
  /** the order is an edit of a pending one (its client order id is its own) */
  edit?: boolean;
  /** block it as INVALID_ORDER with this message (an order the caller cannot judge as asked) */
  refuse?: string;
}

/**
 * Decides one order against the book and the rules. Pure and synchronous: it reads
 * the context and changes nothing, so preview and check share it. It never throws
 * for a bad order; a bad order is a block with INVALID_ORDER or UNKNOWN_SYMBOL.
 */
export function decide(ctx: GuardContext, rules: readonly LimitRule[], raw: unknown, id: string, opts: DecideOptions = {}): Evaluation {
  const intent = normalizeIntent(raw);
  if (typeof intent === 'string') return refused(ctx, id, raw, 'INVALID_ORDER', intent, null);
  if (opts.refuse !== undefined) return refused(ctx, id, raw, 'INVALID_ORDER', opts.refuse, intent);
  const book = ctx.book;
  const valuation = book.valuation;
  if (intent.account !== undefined && !valuation.hasAccount(intent.account)) {
    return refused(ctx, id, raw, 'UNKNOWN_SYMBOL', `no account named ${intent.account}; accounts: ${valuation.accountNames().join(', ')}`, intent);
  }
  const found = valuation.findMarket(intent.symbol, intent.account);
  if (!found) return refused(ctx, id, raw, 'UNKNOWN_SYMBOL', `${intent.symbol} is not a market of ${intent.account ?? valuation.accountNames().join(', ')}; use the exchange's unified ccxt symbol`, intent);
  const { account, market } = found;
  if (!opts.edit && intent.clientOrderId !== null && book.pending.clientIdInUse(account, intent.clientOrderId)) {
    return refused(ctx, id, raw, 'INVALID_ORDER', `clientOrderId ${intent.clientOrderId} is already used by a pending order of ${account}; give each order its own`, intent);
  }
  if (market.maxAmount && intent.amount.gt(market.maxAmount)) {
    return refused(ctx, id, raw, 'INVALID_ORDER', `amount ${fmt(intent.amount)} exceeds ${market.symbol}'s maximum order amount ${fmt(market.maxAmount)}`, intent);
  }
  const mark = valuation.price(account, market.symbol);
  if (mark === null) return refused(ctx, id, raw, 'STALE_DATA', `no price for ${market.symbol}: cannot value the order`, intent);
  const shape = { account, market, side: intent.side, positionSide: intent.positionSide, reduceOnly: intent.reduceOnly, price: intent.price };
  const route = book.routing.route(shape, false);
  if (typeof route === 'string') return refused(ctx, id, raw, 'INVALID_ORDER', route, intent);
  for (const leg of route.legs) {
    if (leg.holding.unitValue === null) return refused(ctx, id, raw, 'STALE_DATA', `no price to value ${leg.holding.asset} on ${account}`, intent);
  }
  const perUnit = valuation.notionalPerUnit(account, market, intent.price);
  if (perUnit === null) return refused(ctx, id, raw, 'STALE_DATA', `no price to convert ${market.quote} into ${ctx.config.quoteCurrency}`, intent);
  const fee = book.routing.feePerUnit(shape, { market: intent.isMarket, conditional: intent.triggerPrice !== null }, perUnit);
  const p = new Projection(ctx, intent, account, market, route, mark, perUnit, fee, opts.grandfathered ?? ZERO, opts.edit ?? false);

  const blocks: LimitRule[] = [];
  const bounds: Bound[] = [];
  for (const rule of rules) {
    const max = rule.maxAmount(p);
    if (max === null) continue;
    if (rule.effect === 'block') blocks.push(rule);
    else bounds.push({ rule, max: max.lt(0) ? ZERO : max });
  }
  const dryRun = ctx.config.mode === 'dryRun';
  const requested = fmt(intent.amount);
  const before = stateMetrics(p.stateAt(ZERO));
  const make = (action: Decision['action'], approved: Decimal, reasons: Reason[]): Evaluation => ({
    decision: decision(id, action, market.symbol, intent.side, requested, fmt(approved), reasons, before,
      approved.isZero() ? before : stateMetrics(p.stateAt(approved)), dryRun),
    intent,
    projection: p,
    approved,
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
    const min = marketMinimum(p, approved);
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
