import { BadResponse, DDoSProtection, DuplicateOrderId, ExchangeError, InvalidNonce, NetworkError, OnMaintenance, RateLimitExceeded } from 'ccxt';
import type { RequestFailure } from '../guard/order-gate.js';

/**
 * Did a failed order request reach the exchange? Refusals (an exchange error, a rate
 * limit, maintenance) did not place the order: what it held is released. A timeout, a
 * network failure or an unreadable answer may have placed it: it stays counted until the
 * exchange shows the truth. Fail safe: unknown means unknown.
 */
export function failureOf(err: unknown): RequestFailure {
  if (err instanceof RateLimitExceeded || err instanceof DDoSProtection || err instanceof InvalidNonce || err instanceof OnMaintenance) return 'refused';
  if (err instanceof DuplicateOrderId) return 'unknown'; // an order with this client id exists
  if (err instanceof NetworkError || err instanceof BadResponse) return 'unknown';
  if (err instanceof ExchangeError) return 'refused';
  return 'unknown';
}
