import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { Book, type PendingOrder } from '../book/book.js';
import { normalizeSnapshot, type AccountSnapshot } from '../book/snapshot.js';
import { parseConfig, type GuardConfig, type RiskGuardConfigInput, type TradingState } from '../config/config.js';
import { tradingStateSchema } from '../config/schema.js';
import { HUNDRED, ZERO, fmt, type Decimal } from '../decimal.js';
import { GuardClosedError, RiskGuardError, SourceError, redact } from '../errors.js';
import { buildRules } from '../limits/index.js';
import type { LimitRule } from '../limits/rule.js';
import type { OrderIntent } from '../simulate/intent.js';
import type { GuardContext } from '../simulate/projection.js';
import { AuditLog } from './audit-log.js';
import { decide, type Evaluation } from './decide.js';
import { OrderLifecycle, type FillEvent, type OrderUpdate } from './lifecycle.js';
import type { Decision } from './decision.js';
import { exposureReport, type ExposureReport } from './exposure-report.js';
import { StaticSnapshotSource, isAccountSource, type AccountSource } from './sources.js';
import { wrapExchange, type WrapOptions } from '../hook/wrap.js';

export interface StateChangeEvent { from: TradingState; to: TradingState; reason: string; at: number }
export interface StaleEvent { source: string; reason: string; at: number }
export interface RefreshEvent { source: string; timestamp: number; durationMs: number }
export interface GuardErrorEvent { source?: string; error: Error; message: string; at: number }

export type { FillEvent, OrderUpdate };

export interface RiskGuardEvents {
  decision: (d: Decision) => void;
  fill: (f: FillEvent) => void;
  resized: (d: Decision) => void;
  blocked: (d: Decision) => void;
  stateChange: (e: StateChangeEvent) => void;
  stale: (e: StaleEvent) => void;
  refresh: (e: RefreshEvent) => void;
  error: (e: GuardErrorEvent) => void;
}

export interface RiskGuardOptions {
  config: RiskGuardConfigInput | unknown;
  /** live adapters (CcxtAdapter) and/or fixed AccountSnapshots */
  sources: Array<AccountSource | AccountSnapshot>;
  /** milliseconds since the epoch; defaults to Date.now, or to the snapshots' own time when every source is a fixed snapshot */
  clock?: () => number;
}

interface SourceStatus {
  source: AccountSource;
  /** when the last good snapshot was read */
  timestamp: number;
  /** why the last refresh failed, until one succeeds */
  error: string | null;
  /** the failure itself, redacted, for create() to rethrow */
  failure: Error | null;
  inflight: Promise<void> | null;
}

/**
 * The guard a bot puts in front of its orders: it holds the book, decides every
 * order against the limits, reserves what it approves and keeps the data fresh.
 */
export class RiskGuard extends EventEmitter<RiskGuardEvents> {
  readonly config: GuardConfig;
  readonly book: Book;
  private readonly rules: LimitRule[];
  private readonly statuses = new Map<string, SourceStatus>();
  private readonly approvals: number[] = [];
  private approvalsHead = 0;
  private state: TradingState;
  private peakEquity: Decimal = ZERO;
  private timer: NodeJS.Timeout | null = null;
  private afterOrderTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private clock: () => number;
  private readonly audit: AuditLog | null;
  /** moves approved orders through ack, fills and final states */
  readonly lifecycle: OrderLifecycle;
  /** settles orders lost in transit (set by the order hook, which can ask the exchange) */
  private resolver: ((source: string) => Promise<void>) | null = null;
  private readonly idPrefix = `rg${randomBytes(9).toString('hex')}`;
  private idCounter = 0;

  private constructor(config: GuardConfig, sources: AccountSource[], clock: (() => number) | undefined) {
    super();
    this.config = config;
    this.book = new Book({ quoteCurrency: config.quoteCurrency, cashCurrencies: config.cashCurrencies });
    this.rules = buildRules(config.limits);
    this.state = config.tradingState;
    for (const s of sources) this.statuses.set(s.name, { source: s, timestamp: 0, error: null, failure: null, inflight: null });
    const allStatic = sources.every((s) => !s.live);
    this.clock = clock ?? (allStatic ? () => this.latestSnapshotTime() : Date.now);
    this.lifecycle = new OrderLifecycle(this.book, () => this.clock(), (fill) => {
      if (this.listenerCount('fill') > 0) this.emit('fill', fill());
      this.orderEvent();
    });
    this.audit = config.auditLog ? new AuditLog(config.auditLog) : null;
    if (this.audit) {
      const audit = this.audit;
      const safely = (f: () => void) => { try { f(); } catch (err) { this.emitError(err instanceof Error ? err : new Error(String(err))); } };
      this.on('decision', (d) => safely(() => audit.write('decision', this.clock(), { decision: d })));
      this.on('stateChange', (e) => safely(() => audit.write('stateChange', e.at, { from: e.from, to: e.to, reason: e.reason })));
    }
  }

  /**
   * Validates the config (throwing ConfigError with every problem), reads every
   * source once and returns a guard ready to check orders.
   */
  static async create(options: RiskGuardOptions): Promise<RiskGuard> {
    const config = parseConfig(options.config);
    const sources = (options.sources ?? []).map((s) => (isAccountSource(s) ? s : new StaticSnapshotSource(s)));
    if (sources.length === 0) throw new RiskGuardError('RiskGuard.create needs at least one source: a CcxtAdapter or an AccountSnapshot');
    const names = new Set<string>();
    for (const s of sources) {
      if (names.has(s.name)) throw new RiskGuardError(`two sources are named ${s.name}; give each snapshot an "account" name or each adapter a name`);
      names.add(s.name);
    }
    const guard = new RiskGuard(config, sources, options.clock);
    for (const s of sources) {
      await guard.refreshSource(s.name);
      const status = guard.statuses.get(s.name)!;
      if (status.failure !== null) {
        await guard.close();
        // a typed error (SnapshotError, SourceError) says what to fix; anything else is wrapped, redacted
        if (status.failure instanceof RiskGuardError) throw status.failure;
        throw new SourceError(s.name, `could not read the account at start-up: ${status.error}`, status.failure.name);
      }
    }
    if (config.refreshIntervalMs > 0 && sources.some((s) => s.live)) {
      guard.timer = setInterval(() => void guard.refresh(), config.refreshIntervalMs);
      guard.timer.unref?.();
    }
    return guard;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Puts the guard in front of a ccxt exchange: createOrder, createOrders, editOrder and
   * every convenience method that places an order are checked first; blocked orders
   * throw RiskGuardRejection (a ccxt InvalidOrder); resized ones go out at the approved
   * amount. Returns the same object.
   */
  wrap<T extends object>(exchange: T, opts: WrapOptions = {}): T {
    if (this.closed) throw new GuardClosedError();
    return wrapExchange(this, exchange, opts);
  }

  /** The source that reads this exchange's account (its adapter), or the only source. */
  accountOf(exchange: object): string {
    for (const [name, s] of this.statuses) {
      if ((s.source as { exchange?: unknown }).exchange === exchange) return name;
    }
    if (this.statuses.size === 1) return [...this.statuses.keys()][0]!;
    throw new RiskGuardError(`this guard watches ${[...this.statuses.keys()].join(', ')}: say which account the exchange trades with wrap(exchange, { account })`);
  }

  /** Reports a failure through the 'error' event, redacted. */
  reportError(error: Error, source?: string): void {
    this.emitError(error, source);
  }

  get tradingState(): TradingState {
    return this.state;
  }

  now(): number {
    return this.clock();
  }

  // ---- deciding ----------------------------------------------------------------

  /** What the guard would decide now. No reservation, no events, no refresh. */
  preview(intent: OrderIntent | unknown): Decision {
    return this.evaluate(intent).decision;
  }

  /**
   * Decides an order on fresh data (refreshing first when it is older than
   * freshness.maxAgeMs) and reserves the approved amount under the decision's id
   * until release() (or the order hook) settles it. Never throws for a bad order.
   */
  async check(intent: OrderIntent | unknown): Promise<Decision> {
    if (this.closed) throw new GuardClosedError();
    if (this.config.freshness.onStale === 'refresh' && this.anyStale(this.clock())) await this.refresh({ onlyStale: true });
    return this.commit(this.evaluate(intent));
  }

  /**
   * Decides several orders as one batch: each sees the ones before it as pending.
   * Used by createOrders; the batch's reservations are made in order.
   */
  async checkBatch(intents: Array<OrderIntent | unknown>): Promise<Decision[]> {
    if (this.closed) throw new GuardClosedError();
    if (this.config.freshness.onStale === 'refresh' && this.anyStale(this.clock())) await this.refresh({ onlyStale: true });
    return intents.map((i) => this.commit(this.evaluate(i)));
  }

  /** Frees a reservation (the order was rejected, cancelled, or its fill is already in the book). */
  release(reservationId: string): boolean {
    const p = this.book.getPending(reservationId);
    if (!p || p.kind !== 'reservation') return false;
    return this.book.removePending(reservationId);
  }

  /**
   * Decision ids double as client order ids: 32 alphanumerics fit every major exchange's
   * format (OKX allows no more). A random prefix per guard keeps two guards (or two runs)
   * apart; a counter keeps one guard's ids unique without drawing randomness per order.
   */
  private newId(): string {
    this.idCounter++;
    return this.idPrefix + this.idCounter.toString(16).padStart(12, '0');
  }

  /**
   * Feeds the guard an order update (from createOrder's answer, watchOrders or
   * fetchOrder) when a bot places orders itself: fills move into the position, final
   * orders release their reservation. The order is found by its clientOrderId (the
   * decision's id when the intent had none) or the exchange's id.
   */
  onOrderUpdate(order: OrderUpdate, opts: { account?: string } = {}): boolean {
    if (this.closed) return false;
    const sources = opts.account !== undefined ? [opts.account] : [...this.statuses.keys()];
    for (const source of sources) {
      if (this.lifecycle.update(source, order)) {
        this.orderEvent();
        return true;
      }
    }
    this.orderEvent(); // an order the guard never saw: the next snapshot shows it
    return false;
  }

  /**
   * Decides an edit of a pending order: the edited order replaces the old one, and
   * up to the old amount nothing is new risk, so only the increase (and the new
   * price, and the whole new size for order-size rules) is checked. Blocked edits
   * leave the old order counted as it was.
   */
  checkReplacement(account: string, ids: { id?: string | null; clientOrderId?: string | null }, intent: OrderIntent | unknown): { decision: Decision; replaced: PendingOrder | null } {
    if (this.closed) throw new GuardClosedError();
    const old = this.book.findOrder(account, ids) ?? null;
    const o = (intent ?? {}) as Record<string, unknown>;
    const same = old !== null && old.symbol === o['symbol'] && old.side === o['side'];
    if (old && same) this.book.removePending(old.id);
    const ev = this.evaluate(intent, same ? old!.remaining : undefined);
    const blocked = ev.decision.action === 'block' && !ev.decision.dryRun;
    if (old && same && blocked) this.restore(old);
    const d = this.commit(ev, blocked ? undefined : { clientOrderId: old?.clientOrderId ?? null, exchangeOrderId: old?.exchangeOrderId ?? null });
    return { decision: d, replaced: blocked ? null : old };
  }

  /** Puts a pending order back exactly as it was (an edit was blocked or failed). */
  restore(order: PendingOrder): void {
    if (this.book.getPending(order.id)) return;
    const added = this.book.addPending({ ...order }, 'limit');
    if (typeof added === 'string') return;
    added.outcome = order.outcome;
    if (order.ackedAt !== undefined) added.ackedAt = order.ackedAt;
    added.feePerUnit = order.feePerUnit;
  }

  /** Lets the order hook settle orders lost in transit after each refresh. */
  setResolver(resolver: ((source: string) => Promise<void>) | null): void {
    this.resolver = resolver;
  }

  /** After an ack, fill or cancel the account has changed: re-read it soon (debounced). */
  orderEvent(): void {
    const delay = this.config.freshness.afterOrderMs;
    if (delay <= 0 || this.closed || this.afterOrderTimer || ![...this.statuses.values()].some((s) => s.source.live)) return;
    this.afterOrderTimer = setTimeout(() => {
      this.afterOrderTimer = null;
      void this.refresh();
    }, delay);
    this.afterOrderTimer.unref?.();
  }

  private evaluate(intent: unknown, grandfathered?: Decimal): Evaluation {
    const now = this.clock();
    const ctx: GuardContext = {
      book: this.book,
      config: this.config,
      now,
      tradingState: this.state,
      staleness: this.staleness(now),
      recentOrders: this.recentApprovals(now),
    };
    try {
      return decide(ctx, this.rules, intent, this.newId(), grandfathered);
    } catch (err) {
      // a bug must not let an order through, nor crash the bot
      const error = err instanceof Error ? err : new Error(String(err));
      this.emitError(error);
      return decide(ctx, this.rules, { invalid: true }, this.newId());
    }
  }

  private commit(ev: Evaluation, ids?: { clientOrderId: string | null; exchangeOrderId: string | null }): Decision {
    const d = ev.decision;
    const submitted = d.dryRun ? ev.intent?.amount ?? ZERO : ev.approved;
    if (ev.projection && ev.intent && submitted.gt(0)) {
      const p = ev.projection;
      const added = this.book.addPending({
        id: d.id,
        kind: 'reservation',
        source: p.source,
        symbol: p.market.symbol,
        side: ev.intent.side,
        remaining: submitted,
        price: ev.intent.price,
        reduceOnly: ev.intent.reduceOnly,
        positionSide: ev.intent.positionSide,
        clientOrderId: ids?.clientOrderId ?? ev.intent.clientOrderId ?? d.id,
        exchangeOrderId: ids?.exchangeOrderId ?? null,
        conditional: ev.intent.triggerPrice !== null,
        createdAt: this.clock(),
      }, ev.intent.isMarket ? 'market' : 'limit', { route: p.route, feePerUnit: p.feePerUnit, worked: submitted === ev.approved ? ev.worked : null });
      if (typeof added === 'string') this.emitError(new RiskGuardError(`could not reserve order ${d.id}: ${added}`));
      this.approvals.push(this.clock());
    }
    this.emit('decision', d);
    if (d.action === 'resize') this.emit('resized', d);
    else if (d.action === 'block') this.emit('blocked', d);
    return d;
  }

  private recentApprovals(now: number): number {
    const rate = this.config.limits.orderRate;
    if (!rate) return 0;
    const from = now - rate.perMs;
    while (this.approvalsHead < this.approvals.length && this.approvals[this.approvalsHead]! <= from) this.approvalsHead++;
    if (this.approvalsHead > 1024) {
      this.approvals.splice(0, this.approvalsHead);
      this.approvalsHead = 0;
    }
    return this.approvals.length - this.approvalsHead;
  }

  // ---- state -------------------------------------------------------------------

  /** ACTIVE trades normally, REDUCING lets only position-shrinking orders through, HALTED blocks all. */
  setTradingState(state: TradingState, reason = 'set by the host'): void {
    const parsed = tradingStateSchema.safeParse(state);
    if (!parsed.success) throw new RiskGuardError(`trading state must be ACTIVE, REDUCING or HALTED, got ${String(state)}`);
    const from = this.state;
    if (from === parsed.data) return;
    this.state = parsed.data;
    if (parsed.data === 'ACTIVE') this.peakEquity = this.book.equity; // a restored guard measures drawdown afresh
    this.emit('stateChange', { from, to: parsed.data, reason, at: this.clock() });
  }

  exposure(): ExposureReport {
    return exposureReport(this.book, this.config, this.oldestSnapshotTime());
  }

  // ---- freshness ---------------------------------------------------------------

  /** Re-reads the sources (all, or only the stale ones). Failures mark data stale; they never throw. */
  async refresh(opts: { onlyStale?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const now = this.clock();
    const stale = new Set(this.staleSources(now));
    const names = [...this.statuses.keys()].filter((n) => !opts.onlyStale || stale.has(n));
    await Promise.all(names.map((n) => this.refreshSource(n)));
  }

  private refreshSource(name: string): Promise<void> {
    const status = this.statuses.get(name)!;
    if (status.inflight) return status.inflight;
    const started = Date.now();
    status.inflight = (async () => {
      try {
        // orders lost in transit are settled first, so that what the exchange says of them
        // comes before the snapshot request and the snapshot cannot count a fill twice
        if (this.resolver && this.lifecycle.unknownOrders(name).length) {
          await this.resolver(name).catch((err: unknown) => this.emitError(err instanceof Error ? err : new Error(String(err)), name));
        }
        const requestedSeq = this.book.nextSeq();
        const raw = await status.source.fetchSnapshot();
        const snap = normalizeSnapshot(raw, name);
        // a fixed snapshot never shows later fills or final orders: it settles nothing
        const rec = this.book.applySnapshot(snap, status.source.live ? requestedSeq : Number.NEGATIVE_INFINITY);
        status.timestamp = snap.timestamp;
        status.error = null;
        status.failure = null;
        this.emit('refresh', { source: name, timestamp: snap.timestamp, durationMs: Date.now() - started });
        this.watchDrawdown();
        // fills the snapshot may not show yet: read again so they settle
        if (rec.reapplied > 0 && status.source.live) this.orderEvent();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        const message = redact(error.message);
        const wasFresh = status.error === null;
        status.error = `${error.name}: ${message}`;
        status.failure = error instanceof RiskGuardError ? error : Object.assign(new Error(message), { name: error.name });
        this.emitError(error, name);
        if (wasFresh) this.emit('stale', { source: name, reason: status.error, at: this.clock() });
      } finally {
        status.inflight = null;
      }
    })();
    return status.inflight;
  }

  private anyStale(now: number): boolean {
    for (const s of this.statuses.values()) {
      if (s.error !== null || (s.source.live && now - s.timestamp > this.config.freshness.maxAgeMs)) return true;
    }
    return false;
  }

  private staleSources(now: number): string[] {
    const out: string[] = [];
    for (const [name, s] of this.statuses) {
      if (s.error !== null || (s.source.live && now - s.timestamp > this.config.freshness.maxAgeMs)) out.push(name);
    }
    return out;
  }

  /** Why opening orders cannot be trusted right now, or null. */
  private staleness(now: number): string | null {
    for (const [name, s] of this.statuses) {
      if (s.error !== null) return `account data from ${name} failed to refresh (${s.error})`;
      if (s.source.live && now - s.timestamp > this.config.freshness.maxAgeMs) {
        return `account data from ${name} is ${now - s.timestamp} ms old, more than freshness.maxAgeMs ${this.config.freshness.maxAgeMs}`;
      }
    }
    if (this.book.unpricedCount === 0) return null;
    const unpriced = this.book.unpricedHoldings();
    if (unpriced.length) return `no price for ${unpriced.slice(0, 3).map((h) => h.symbol ?? h.asset).join(', ')}${unpriced.length > 3 ? ` and ${unpriced.length - 3} more` : ''}`;
    return null;
  }

  /** The drawdown breaker: equity this far below the session's peak moves the guard to REDUCING or HALTED. */
  private watchDrawdown(): void {
    const equity = this.book.equity;
    if (equity.gt(this.peakEquity)) this.peakEquity = equity;
    const dd = this.config.limits.maxDrawdownPct;
    if (!dd || this.peakEquity.lte(0)) return;
    const drawdownPct = this.peakEquity.minus(equity).div(this.peakEquity).mul(HUNDRED);
    if (drawdownPct.lt(dd.value)) return;
    const severity = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;
    if (severity[this.state] >= severity[dd.action]) return;
    this.setTradingState(dd.action, `drawdown ${fmt(drawdownPct.toDecimalPlaces(4))}% from peak equity ${fmt(this.peakEquity)} reached maxDrawdownPct ${fmt(dd.value)}%`);
  }

  private latestSnapshotTime(): number {
    let t = 0;
    for (const s of this.statuses.values()) if (s.timestamp > t) t = s.timestamp;
    return t;
  }

  private oldestSnapshotTime(): number {
    let t = Infinity;
    for (const s of this.statuses.values()) if (s.timestamp < t) t = s.timestamp;
    return Number.isFinite(t) ? t : 0;
  }

  /** Errors leave the guard redacted: exchange messages can carry signed URLs. */
  private emitError(error: Error, source?: string): void {
    const message = redact(error.message);
    const safe = new Error(message);
    safe.name = error.name;
    const e: GuardErrorEvent = { error: safe, message, at: this.clock() };
    if (source !== undefined) e.source = source;
    this.emit('error', e);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.afterOrderTimer) clearTimeout(this.afterOrderTimer);
    for (const s of this.statuses.values()) {
      try { await s.source.close?.(); } catch (err) { this.emitError(err instanceof Error ? err : new Error(String(err)), s.source.name); }
    }
    this.removeAllListeners();
  }
}
