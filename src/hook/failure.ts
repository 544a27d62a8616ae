import type { RequestFailure } from '../guard/order-gate.js';

/**
 * Names of an error's class and its ancestors. ccxt's error classes are told apart by
 * name, not by `instanceof`: the bot's exchange throws the classes of the bot's own copy
 * of ccxt (or of its CommonJS or ESM build), which need not be the one risk-guard imports.
 */
function classChain(err: unknown): string[] {
  const names: string[] = [];
  let proto = err !== null && typeof err === 'object' ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype) {
    const n = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof n === 'string') names.push(n);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/**
 * Did a failed order request reach the exchange? Refusals (an exchange error, a rate
 * limit, maintenance) did not place the order: what it held is released. A timeout, a
 * network failure or an unreadable answer may have placed it: it stays counted until the
 * exchange shows the truth. Fail safe: unknown means unknown, and so is anything that is
 * not a ccxt error (its root class, BaseError, is in the chain).
 */
export function failureOf(err: unknown): RequestFailure {
  const chain = classChain(err);
  if (!chain.includes('BaseError')) return 'unknown';
  const is = (name: string) => chain.includes(name);
  if (is('RateLimitExceeded') || is('DDoSProtection') || is('InvalidNonce') || is('OnMaintenance')) return 'refused';
  if (is('DuplicateOrderId')) return 'unknown'; // an order with this client id exists
  if (is('NetworkError') || is('BadResponse')) return 'unknown';
  if (is('ExchangeError')) return 'refused';
  return 'unknown';
}
