import { BadResponse, DDoSProtection, DuplicateOrderId, ExchangeError, InvalidNonce, NetworkError, OnMaintenance, RateLimitExceeded } from 'ccxt';

/**
 * Did a failed order request reach the exchange? Refusals (an exchange error, a rate
 * limit, maintenance) did not place the order: its reservation is released. A
 * timeout, a network failure or an unreadable answer may have placed it: it stays
 * reserved until the exchange shows the truth. Fail safe: unknown means unknown.
 */
export function outcomeOf(err: unknown): 'rejected' | 'unknown' {
  if (err instanceof RateLimitExceeded || err instanceof DDoSProtection || err instanceof InvalidNonce || err instanceof OnMaintenance) return 'rejected';
  if (err instanceof DuplicateOrderId) return 'unknown'; // an order with this client id exists
  if (err instanceof NetworkError || err instanceof BadResponse) return 'unknown';
  if (err instanceof ExchangeError) return 'rejected';
  return 'unknown';
}
