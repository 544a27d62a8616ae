import { InvalidOrder } from 'ccxt';
import type { Decision } from '../guard/decision.js';

/**
 * Marks every rejection risk-guard throws, whichever ccxt's InvalidOrder it extends and
 * whichever copy of risk-guard (ESM or CommonJS build) made it: `instanceof
 * RiskGuardRejection` reads this mark, not the prototype chain.
 */
const BRAND = Symbol.for('risk-guard.RiskGuardRejection');

function messageOf(decision: Decision): string {
  const r = decision.reasons[0];
  return `risk-guard blocked ${decision.side} ${decision.requested} ${decision.symbol}: ${r ? `${r.code}: ${r.message}` : 'blocked'}`;
}

/**
 * Thrown by a wrapped exchange for a blocked order. It is an instance of the InvalidOrder
 * of the ccxt the bot's exchange comes from (the bot's own copy of ccxt, not one of
 * risk-guard's), so a bot's existing `catch (e) { if (e instanceof ccxt.InvalidOrder) … }`
 * keeps working, and it carries the Decision with the reasons. `e instanceof
 * RiskGuardRejection` is true for every rejection, whichever ccxt it extends.
 */
export class RiskGuardRejection extends InvalidOrder {
  readonly decision: Decision;
  /** every decision of a batch (createOrders), in order */
  readonly decisions: Decision[];

  constructor(decision: Decision, decisions: Decision[] = [decision]) {
    super(messageOf(decision));
    this.name = 'RiskGuardRejection';
    this.decision = decision;
    this.decisions = decisions;
  }

  /** Any rejection risk-guard threw (see BRAND); a subclass keeps the ordinary prototype test. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== RiskGuardRejection) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
Object.defineProperty(RiskGuardRejection.prototype, BRAND, { value: true });

/** What the wrapper throws with: `new (rejectionFor(exchange))(decision, decisions)`. */
export type RejectionClass = new (decision: Decision, decisions?: Decision[]) => RiskGuardRejection;

type ErrorClass = new (message: string) => Error;

/** The class named InvalidOrder among this class and its ancestors (a ccxt error class), if any. */
function invalidOrderIn(fn: unknown): ErrorClass | null {
  for (let c = fn; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (c.name === 'InvalidOrder' && c.prototype instanceof Error) return c as ErrorClass;
  }
  return null;
}

/**
 * The InvalidOrder class of the ccxt an exchange instance comes from. ccxt's base Exchange
 * class (the last prototype before Object.prototype) throws its own InvalidOrder from a
 * pure check, `isPostOnly` of a post-only market order: that is asked first. Failing that,
 * the exchange's error tables (`exceptions`: exact and broad, per market type) hold
 * InvalidOrder or one of its subclasses (OrderNotFound, …) for nearly every exchange —
 * asked second because a table can be patched with another ccxt's classes. Null when
 * neither finds it.
 */
export function invalidOrderOf(exchange: object): ErrorClass | null {
  let base: object | null = null;
  for (let p = Object.getPrototypeOf(exchange); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) base = p;
  const isPostOnly = (base as { isPostOnly?: unknown } | null)?.isPostOnly;
  if (typeof isPostOnly === 'function') {
    try {
      isPostOnly.call(exchange, true, true, {}); // a post-only market order: ccxt throws InvalidOrder
    } catch (err) {
      const found = invalidOrderIn((err as { constructor?: unknown } | null)?.constructor);
      if (found) return found;
    }
  }
  const seen = new Set<object>();
  const search = (o: unknown, depth: number): ErrorClass | null => {
    if (o === null || typeof o !== 'object' || depth > 4 || seen.has(o)) return null;
    seen.add(o);
    for (const v of Object.values(o)) {
      const found = typeof v === 'function' ? invalidOrderIn(v) : search(v, depth + 1);
      if (found) return found;
    }
    return null;
  };
  try {
    return search((exchange as { exceptions?: unknown }).exceptions, 0);
  } catch {
    return null; // an exotic exceptions table (a getter that throws)
  }
}

const classes = new WeakMap<ErrorClass, RejectionClass>();

/**
 * The rejection class for an exchange: a RiskGuardRejection whose prototype chain runs
 * through the InvalidOrder of the exchange's own ccxt. With one copy of ccxt (ccxt is a
 * peer dependency) that is RiskGuardRejection itself.
 */
export function rejectionFor(exchange: object): RejectionClass {
  const base = invalidOrderOf(exchange);
  if (base === null || base === (InvalidOrder as unknown)) return RiskGuardRejection;
  let C = classes.get(base);
  if (!C) {
    const Rejection = class RiskGuardRejection extends base {
      readonly decision: Decision;
      readonly decisions: Decision[];
      constructor(decision: Decision, decisions: Decision[] = [decision]) {
        super(messageOf(decision));
        this.name = 'RiskGuardRejection';
        this.decision = decision;
        this.decisions = decisions;
      }
    };
    Object.defineProperty(Rejection.prototype, BRAND, { value: true });
    C = Rejection as unknown as RejectionClass;
    classes.set(base, C);
  }
  return C;
}
