import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { Book, type FillNote, type OrderUpdate } from '../book/book.js';
import { FIXED_READ, type PartStamps, type ReadStamps } from '../book/reconcile.js';
import { parseConfig, type GuardConfig, type RiskGuardConfigInput, type TradingState } from '../config/config.js';
import { tradingStateSchema } from '../config/schema.js';
import { GuardClosedError, RiskGuardError, SnapshotError, SourceError, UnverifiedExchangeError, redact } from '../errors.js';
import { DrawdownBreaker, buildRules, type LimitRule } from '../limits/index.js';
import { ZERO, fmt, type Decimal } from '../number.js';
import type { OrderIntent } from '../projection/intent.js';
import type { GuardContext } from '../projection/projection.js';
import { normalizeSnapshot, type AccountSnapshot } from '../snapshot/normalize.js';
import { describeMismatch, unverifiablePositions, type DataMismatch } from '../snapshot/stated-figures.js';
import { wrapExchange, type GuardedExchange, type WrapOptions } from '../hook/wrap.js';
import { AuditLog } from './audit-log.js';
import { decide, type Evaluation } from './decide.js';
import type { Decision } from './decision.js';
import { exposureReport, type ExposureReport } from './exposure-report.js';
import type { OrderGate, OrderRef, RequestFailure } from './order-gate.js';
import { StaticSnapshotSource, isAccountSource, type AccountSource, type ReadClock, type ReadPart } from './sources.js';

export interface StateChangeEvent { from: TradingState; to: TradingState; reason: string; at: number }
export interface StaleEvent { source: string; reason: string; at: number }
export interface RefreshEvent { source: string; timestamp: number; durationMs: number }
/** A read whose figures the exchange's own contradict: opening orders are blocked (DATA_MISMATCH) until a read agrees. */
export interface InconsistentEvent { source: string; mismatches: DataMismatch[]; at: number }
/** A read of a source that was inconsistent agrees again. */
export interface ConsistentEvent { source: string; at: number }
export interface GuardErrorEvent { source?: string; error: Error; message: string; at: number }

/** A fill the guard learned of before a read showed it (decimal strings). */
export interface FillEvent {
  account: string;
  symbol: string;
  side: 'buy' | 'sell';
  amount: string;
  price: string | null;
  orderId: string | null;
  clientOrderId: string | null;
  at: number;
}

export type { OrderUpdate };

export interface RiskGuardEvents {
  decision: (d: Decision) => void;
  fill: (f: FillEvent) => void;
  resized: (d: Decision) => void;
  blocked: (d: Decision) => void;
  stateChange: (e: StateChangeEvent) => void;
  stale: (e: StaleEvent) => void;
  inconsistent: (e: InconsistentEvent) => void;
  consistent: (e: ConsistentEvent) => void;
  refresh: (e: RefreshEvent) => void;
  error: (e: GuardErrorEvent) => void;
}

/**
 * What `RiskGuard.create` takes. `config` is typed: a misspelt key (`maxLeverag: 3`) or a
 * wrong value is a compile error. A config whose type is `unknown` (JSON read from a
 * file) is accepted too, through create's second overload, and validated at run time
 * (ConfigError lists every problem), as every config is.
 */
export interface RiskGuardOptions<Config = RiskGuardConfigInput> {
  config: Config;
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
  /** the exchange's own figures that contradicted the last good read (or could not be checked where checks are mandatory) */
  mismatches: DataMismatch[];
  /** a read asked for while one was on the wire: it starts when that one ends (callers wanting data newer than their call share it) */
  next: Promise<void> | null;
}

/**
 * The guard a bot puts in front of its orders: it keeps the book, decides every order
 * against the limits, counts what it approves until the exchange settles it, and keeps
 * the data fresh. It is the OrderGate the order hook talks to.
 */
export class RiskGuard extends EventEmitter<RiskGuardEvents> implements OrderGate {
  readonly config: GuardConfig;
  private readonly book: Book;
  private readonly rules: LimitRule[];
  private readonly breaker: DrawdownBreaker;
  private readonly statuses = new Map<string, SourceStatus>();
  private state: TradingState;
  private timer: NodeJS.Timeout | null = null;
  private readTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly clock: () => number;
  private readonly audit: AuditLog | null;
  private readonly idPrefix = `rg${randomBytes(9).toString('hex')}`;
  private idCounter = 0;
  /** what the data-consistency rule reads: the first disagreement of any source, or null */
  private inconsistency: string | null = null;

  private constructor(config: GuardConfig, sources: AccountSource[], clock: (() => number) | undefined) {
    super();
    this.config = config;
    for (const s of sources) this.statuses.set(s.name, { source: s, timestamp: 0, error: null, failure: null, mismatches: [], inflight: null, next: null });
    const allStatic = sources.every((s) => !s.live);
    this.clock = clock ?? (allStatic ? () => this.latestSnapshotTime() : Date.now);
    this.book = new Book({
      quoteCurrency: config.quoteCurrency,
      cashCurrencies: config.cashCurrencies,
      lostOrderGraceMs: config.freshness.lostOrderGraceMs,
      now: () => this.clock(),
    });
    this.rules = buildRules(config.limits);
    this.breaker = new DrawdownBreaker(config.limits.maxDrawdownPct);
    this.state = config.tradingState;
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
  static create(options: RiskGuardOptions): Promise<RiskGuard>;
  /**
   * A config of type `unknown` (parsed JSON): only `unknown` (or `any`) is accepted here, so
   * a typed object with a misspelt key still fails to compile; the value is validated at
   * run time. `const config: unknown = JSON.parse(text); await RiskGuard.create({ config, sources })`.
   */
  static create<Config>(options: RiskGuardOptions<unknown extends Config ? Config : RiskGuardConfigInput>): Promise<RiskGuard>;
  static async create(options: RiskGuardOptions<unknown>): Promise<RiskGuard> {
    const config = parseConfig(options.config);
    if (options.sources !== undefined && !Array.isArray(options.sources)) throw new RiskGuardError('RiskGuard.create: sources must be an array of CcxtAdapters and/or AccountSnapshots');
    const sources: AccountSource[] = (options.sources ?? []).map((s, i) => {
      if (isAccountSource(s)) return s;
      if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new SnapshotError(`sources[${i}]`, [`${s === null ? 'null' : Array.isArray(s) ? 'an array' : typeof s} is neither an AccountSnapshot nor a CcxtAdapter`]);
      return new StaticSnapshotSource(s);
    });
    if (sources.length === 0) throw new RiskGuardError('RiskGuard.create needs at least one source: a CcxtAdapter or an AccountSnapshot');
    const names = new Set<string>();
    for (const s of sources) {
      if (names.has(s.name)) throw new RiskGuardError(`two sources are named ${s.name}; give each snapshot an "account" name or each adapter a name`);
      names.add(s.name);
    }
    if (!config.allowUnverifiedExchange) {
      const unverified = sources.find((s) => s.unverified !== undefined);
      if (unverified) throw new UnverifiedExchangeError(unverified.name, unverified.unverified!.exchange, unverified.unverified!.verifiedExchanges);
    }
    const guard = new RiskGuard(config, sources, options.clock);
    for (const s of sources) {
      await guard.readSource(s.name);
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

  get tradingState(): TradingState {
    return this.state;
  }

  now(): number {
    return this.clock();
  }

  /**
   * Puts the guard in front of a ccxt exchange: createOrder, createOrders, editOrder and
   * every convenience method that places an order are checked first; blocked orders
   * throw RiskGuardRejection (a ccxt InvalidOrder); resized ones go out at the approved
   * amount. Returns the same object.
   */
  wrap<T extends object>(exchange: T, opts: WrapOptions = {}): GuardedExchange<T> {
    if (this.closed) throw new GuardClosedError();
    return wrapExchange(this, exchange, opts);
  }

  /** The account that reads this exchange's data (its adapter's), or the only one. */
  accountOf(exchange: object): string {
    for (const [name, s] of this.statuses) {
      if ((s.source as { exchange?: unknown }).exchange === exchange) return name;
    }
    if (this.statuses.size === 1) return [...this.statuses.keys()][0]!;
    throw new RiskGuardError(`this guard watches ${[...this.statuses.keys()].join(', ')}: say which account the exchange trades with wrap(exchange, { account })`);
  }

  /** Reports a failure through the 'error' event, redacted. */
  reportError(error: Error, account?: string): void {
    this.emitError(error, account);
  }

  // ---- deciding ----------------------------------------------------------------------

  /** What the guard would decide now. No reservation, no events, no refresh. */
  preview(intent: OrderIntent | unknown): Decision {
    return this.evaluate(intent).decision;
  }

  /**
   * Decides an order on fresh data (refreshing first when it is older than
   * freshness.maxAgeMs) and counts the approved amount under the decision's id until
   * the exchange settles it (or release()). Never throws for a bad order.
   */
  async check(intent: OrderIntent | unknown): Promise<Decision> {
    if (this.closed) throw new GuardClosedError();
    await this.ensureFresh();
    return this.commit(this.evaluate(intent));
  }

  /** Decides several orders as one batch: each sees the ones before it as pending. */
  async checkBatch(intents: Array<OrderIntent | unknown>): Promise<Decision[]> {
    if (this.closed) throw new GuardClosedError();
    await this.ensureFresh();
    return intents.map((i) => this.commit(this.evaluate(i)));
  }

  checkReplacement(account: string, ref: OrderRef, intent: OrderIntent | unknown): Decision {
    if (this.closed) throw new GuardClosedError();
    const order = this.book.findOrder(account, ref);
    if (!order) {
      // an order the guard does not know (yet): the edit counts as a new order carrying its ids
      return this.commit(this.evaluate(intent), { clientOrderId: ref.clientOrderId ?? null, exchangeOrderId: ref.id ?? null });
    }
    let o = (intent ?? {}) as Record<string, unknown>;
    // an edit that names no amount keeps the order's
    if (o['amount'] === undefined || o['amount'] === null) intent = o = { ...o, amount: order.amount.toString() };
    if (order.symbol !== o['symbol'] || order.side !== o['side']) {
      return this.commit(this.refusal(intent, `an edit cannot change the order's symbol or side (${order.symbol} ${order.side}); cancel it and place a new order`));
    }
    if (order.edit) return this.commit(this.refusal(intent, `an edit of order ${order.exchangeOrderId ?? order.clientOrderId ?? order.id} is already in flight; wait for its answer`));
    // judged as the order's replacement: what the order has counted is not new
    const counted = this.book.suspend(order);
    const ev = this.evaluate(intent, { grandfathered: counted, edit: true });
    const d = ev.decision;
    const amount = d.dryRun ? ev.intent?.amount ?? ZERO : ev.approved;
    const approved = ev.projection !== null && ev.intent !== null && amount.gt(0);
    // counted again at once: with the edit (the larger of both versions until the exchange answers), or as it was
    this.book.endSuspend(order, approved ? { decisionId: d.id, amount, price: ev.intent!.price, feePerUnit: ev.projection!.feePerUnit } : null);
    if (approved) for (const r of this.rules) r.approved?.(this.clock());
    this.announce(d);
    return d;
  }

  sent(decisionId: string): void {
    if (this.book.editedOrder(decisionId)) this.book.editSent(decisionId);
    else this.book.sent(decisionId);
  }

  answered(decisionId: string, order: unknown): void {
    const u = (order && typeof order === 'object' ? order : {}) as OrderUpdate;
    const fills = this.book.editedOrder(decisionId) ? this.book.editAnswered(decisionId, u) : this.book.answered(decisionId, u);
    this.afterOrderEvent(fills);
  }

  failed(decisionId: string, failure: RequestFailure): void {
    const outcome = failure === 'refused' ? 'rejected' : 'unknown';
    if (this.book.editedOrder(decisionId)) this.book.editFailed(decisionId, outcome);
    else this.book.failed(decisionId, outcome);
    this.afterOrderEvent([]);
  }

  cancelled(account: string, ref: OrderRef, answer?: unknown): void {
    const u = answer && typeof answer === 'object' ? (answer as OrderUpdate) : undefined;
    this.afterOrderEvent(this.book.cancelled(account, ref, u));
  }

  cancelledAll(account: string, symbol?: string): void {
    this.book.cancelledAll(account, symbol);
    this.afterOrderEvent([]);
  }

  /**
   * Feeds the guard an order update (watchOrders, fetchOrder) when a bot follows its
   * orders itself: fills move into the position, final orders stop counting. The order
   * is found by its clientOrderId (the decision's id when the intent had none) or the
   * exchange's id. Returns whether the guard knew the order.
   */
  onOrderUpdate(order: OrderUpdate, opts: { account?: string } = {}): boolean {
    if (this.closed) return false;
    const accounts = opts.account !== undefined ? [opts.account] : [...this.statuses.keys()];
    for (const account of accounts) {
      const fills = this.book.orderUpdate(account, order);
      if (fills !== undefined) {
        this.afterOrderEvent(fills);
        return true;
      }
    }
    this.scheduleRead(); // an order the guard never saw: the next read shows it
    return false;
  }

  /** Gives back an approved order that was not placed (or an edit that was not sent). */
  release(decisionId: string): boolean {
    if (this.book.editedOrder(decisionId)) {
      this.book.editFailed(decisionId, 'rejected');
      return true;
    }
    return this.book.release(decisionId);
  }

  notionalPerUnit(account: string, symbol: string, price: Decimal | null): Decimal | null {
    const m = this.book.valuation.market(account, symbol);
    return m ? this.book.valuation.notionalPerUnit(account, m, price) : null;
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

  private context(): GuardContext {
    const now = this.clock();
    return { book: this.book, config: this.config, now, tradingState: this.state, staleness: this.staleness(now), inconsistency: this.inconsistency };
  }

  private evaluate(intent: unknown, opts: { grandfathered?: Decimal; edit?: boolean } = {}): Evaluation {
    const ctx = this.context();
    try {
      return decide(ctx, this.rules, intent, this.newId(), opts);
    } catch (err) {
      // a bug must not let an order through, nor crash the bot
      this.emitError(err instanceof Error ? err : new Error(String(err)));
      return decide(ctx, this.rules, { invalid: true }, this.newId());
    }
  }

  /** A block for an order that cannot be judged as asked (INVALID_ORDER). */
  private refusal(intent: unknown, message: string): Evaluation {
    return decide(this.context(), this.rules, intent, this.newId(), { refuse: message });
  }

  /** Counts what a decision approved (the requested amount in dry run: the order goes out) and announces it. */
  private commit(ev: Evaluation, ids?: { clientOrderId: string | null; exchangeOrderId: string | null }): Decision {
    const d = ev.decision;
    const amount = d.dryRun ? ev.intent?.amount ?? ZERO : ev.approved;
    if (ev.projection && ev.intent && amount.gt(0)) {
      const p = ev.projection;
      const i = ev.intent;
      const reserved = this.book.reserve({
        id: d.id, account: p.account, market: p.market, side: i.side, positionSide: i.positionSide, reduceOnly: i.reduceOnly,
        price: i.price, type: i.type, conditional: i.triggerPrice !== null, amount,
        clientOrderId: ids?.clientOrderId ?? i.clientOrderId ?? d.id, exchangeOrderId: ids?.exchangeOrderId ?? null,
        route: p.route, feePerUnit: p.feePerUnit, worked: p.worked(amount),
      });
      if (typeof reserved === 'string') this.emitError(new RiskGuardError(`could not count order ${d.id}: ${reserved}`));
      for (const r of this.rules) r.approved?.(this.clock());
    }
    this.announce(d);
    return d;
  }

  private announce(d: Decision): void {
    this.emit('decision', d);
    if (d.action === 'resize') this.emit('resized', d);
    else if (d.action === 'block') this.emit('blocked', d);
  }

  /** After an answer, fill or cancel: fills are announced and the account is re-read soon. */
  private afterOrderEvent(fills: FillNote[]): void {
    if (fills.length && this.listenerCount('fill') > 0) {
      const at = this.clock();
      for (const f of fills) {
        this.emit('fill', { account: f.account, symbol: f.symbol, side: f.side, amount: fmt(f.amount), price: f.price ? fmt(f.price) : null, orderId: f.orderId, clientOrderId: f.clientOrderId, at });
      }
    }
    this.scheduleRead();
  }

  // ---- state -----------------------------------------------------------------------------

  /** ACTIVE trades normally, REDUCING lets only position-shrinking orders through, HALTED blocks all. */
  setTradingState(state: TradingState, reason = 'set by the host'): void {
    const parsed = tradingStateSchema.safeParse(state);
    if (!parsed.success) throw new RiskGuardError(`trading state must be ACTIVE, REDUCING or HALTED, got ${String(state)}`);
    const from = this.state;
    if (from === parsed.data) return;
    this.state = parsed.data;
    if (parsed.data === 'ACTIVE') this.breaker.reset(this.book.equity); // drawdown is measured afresh
    this.emit('stateChange', { from, to: parsed.data, reason, at: this.clock() });
  }

  /**
   * Recomputes everything the book keeps incrementally from scratch and compares exactly;
   * returns what disagrees (empty when the book is sound). It walks the whole book: a
   * health check for tests and operators, not for the order path.
   */
  verify(): string[] {
    return this.book.verify();
  }

  exposure(): ExposureReport {
    const inconsistencies: ExposureReport['inconsistencies'] = [];
    const warnings: string[] = [];
    for (const [name, s] of this.statuses) {
      for (const m of s.mismatches) inconsistencies.push({ source: name, ...m });
      const u = s.source.unverified;
      if (u) {
        warnings.push(`${name}: the ccxt exchange '${u.exchange}' has no verified module (allowUnverifiedExchange). Its numbers come from ccxt's unified structures: a position is opened on only while the exchange states a value that agrees with the guard's, and its equity is ccxt's balance total, which on some exchanges leaves out unrealized PnL`);
      }
    }
    return exposureReport(this.book, this.config, this.oldestSnapshotTime(), { inconsistencies, warnings });
  }

  // ---- freshness -------------------------------------------------------------------------

  /** Re-reads the sources (all, or only the stale ones). Failures mark data stale; they never throw. */
  async refresh(opts: { onlyStale?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const now = this.clock();
    const names = [...this.statuses.keys()].filter((n) => !opts.onlyStale || this.isStale(this.statuses.get(n)!, now));
    await Promise.all(names.map((n) => this.readSource(n)));
  }

  private async ensureFresh(): Promise<void> {
    if (this.config.freshness.onStale !== 'refresh') return;
    const now = this.clock();
    for (const s of this.statuses.values()) {
      if (this.isStale(s, now)) return this.refresh({ onlyStale: true });
    }
  }

  /** After an order event the account has changed: read it again soon (debounced). */
  private scheduleRead(): void {
    const delay = this.config.freshness.afterOrderMs;
    if (delay <= 0 || this.closed || this.readTimer || ![...this.statuses.values()].some((s) => s.source.live)) return;
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      void this.refresh();
    }, delay);
    this.readTimer.unref?.();
  }

  /**
   * Reads a source. A read already on the wire may have been requested before the caller's
   * reason to read (a price move, an order it just heard of), so the caller gets a read
   * requested after its call: the one queued behind the read in flight, shared by every
   * caller that arrives meanwhile.
   */
  private readSource(name: string): Promise<void> {
    const status = this.statuses.get(name)!;
    if (status.inflight) {
      status.next ??= status.inflight.then(() => {
        status.next = null;
        return this.readSource(name);
      });
      return status.next;
    }
    const started = Date.now();
    status.inflight = (async () => {
      try {
        // every part of the read takes its place in the book's sequence of events
        const parts: Partial<Record<ReadPart, Partial<PartStamps>>> = {};
        let openOrdersAt: number | null = null;
        const clock: ReadClock = {
          stamp: (part, phase) => {
            const p = (parts[part] ??= {});
            p[phase] = this.book.next();
            if (part === 'openOrders' && phase === 'requested') openOrdersAt = this.clock();
          },
        };
        const begun = this.book.next();
        const begunAt = this.clock();
        const raw = await status.source.fetchSnapshot(clock);
        const ended = this.book.next();
        const snap = normalizeSnapshot(raw, name);
        // a live read from the future would stay fresh for ever
        if (status.source.live && snap.timestamp > this.clock() + this.config.freshness.maxAgeMs) {
          throw new SnapshotError(name, [`timestamp ${new Date(snap.timestamp).toISOString()} is ahead of the guard's clock by more than freshness.maxAgeMs; check the clock of the host or the source`]);
        }
        const whole = { requested: begun, answered: ended };
        const part = (p: Partial<PartStamps> | undefined): PartStamps => (p?.requested !== undefined && p.answered !== undefined && p.requested < p.answered ? { requested: p.requested, answered: p.answered } : whole);
        const stamps: ReadStamps = {
          openOrders: part(parts.openOrders),
          account: part(parts.account),
          openOrdersRequestedAt: openOrdersAt ?? begunAt,
        };
        // a fixed snapshot never shows later fills or final orders: it settles nothing
        const outcome = this.book.applyRead(snap, status.source.live ? stamps : FIXED_READ);
        for (const problem of outcome.problems) this.emitError(new SourceError(name, problem), name);
        status.timestamp = snap.timestamp;
        status.error = null;
        status.failure = null;
        this.setMismatches(status, status.source.unverified ? [...snap.mismatches, ...unverifiablePositions(snap.positions, name)] : snap.mismatches);
        this.emit('refresh', { source: name, timestamp: snap.timestamp, durationMs: Date.now() - started });
        this.watchDrawdown();
        // fills the read may not show yet: read again so they settle
        if (outcome.unsettledFills > 0 && status.source.live) this.scheduleRead();
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

  /** Keeps what a read's self-verification found and announces when that changes. */
  private setMismatches(status: SourceStatus, found: DataMismatch[]): void {
    const key = (list: DataMismatch[]) => list.map((m) => `${m.subject}|${m.figure}|${m.field}`).join('\n');
    const changed = key(found) !== key(status.mismatches);
    const was = status.mismatches.length > 0;
    status.mismatches = found;
    if (!changed) return;
    this.inconsistency = this.describeInconsistency();
    const at = this.clock();
    if (found.length > 0) this.emit('inconsistent', { source: status.source.name, mismatches: found, at });
    else if (was) this.emit('consistent', { source: status.source.name, at });
  }

  /** Which of the exchange's own figures contradict the guard's (worked out when a read changes them, not per check). */
  private describeInconsistency(): string | null {
    const all: DataMismatch[] = [];
    for (const s of this.statuses.values()) all.push(...s.mismatches);
    if (all.length === 0) return null;
    return `${describeMismatch(all[0]!)}${all.length > 1 ? ` (and ${all.length - 1} more: exposure().inconsistencies)` : ''}`;
  }

  private isStale(s: SourceStatus, now: number): boolean {
    return s.error !== null || (s.source.live && now - s.timestamp > this.config.freshness.maxAgeMs);
  }

  /** Why opening orders cannot be trusted right now, or null. */
  private staleness(now: number): string | null {
    for (const [name, s] of this.statuses) {
      if (s.error !== null) return `account data from ${name} failed to refresh (${s.error})`;
      if (s.source.live && now - s.timestamp > this.config.freshness.maxAgeMs) {
        return `account data from ${name} is ${now - s.timestamp} ms old, more than freshness.maxAgeMs ${this.config.freshness.maxAgeMs}`;
      }
    }
    const ag = this.book.aggregates;
    if (ag.unpricedCount === 0) return null;
    const unpriced = ag.unpriced();
    return `no price for ${unpriced.slice(0, 3).map((h) => h.symbol ?? h.asset).join(', ')}${unpriced.length > 3 ? ` and ${unpriced.length - 3} more` : ''}`;
  }

  /** The drawdown breaker may move the trading state after a read. */
  private watchDrawdown(): void {
    const move = this.breaker.observe(this.book.equity, this.state);
    if (move) this.setTradingState(move.to, move.reason);
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
    if (this.readTimer) clearTimeout(this.readTimer);
    for (const s of this.statuses.values()) {
      try { await s.source.close?.(); } catch (err) { this.emitError(err instanceof Error ? err : new Error(String(err)), s.source.name); }
    }
    this.removeAllListeners();
  }
}
