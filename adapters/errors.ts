import { SourceError, redact } from '../src/errors.js';

/**
 * Why an exchange adapter could not deliver a snapshot. The guard treats every one
 * the same way (opening orders block with STALE_DATA until a refresh succeeds); the
 * kind is for the host's logs and alerts.
 */
export type AdapterErrorKind =
  | 'timeout'       // the exchange did not answer in time (ccxt RequestTimeout, or the adapter's own deadline)
  | 'rate-limit'    // HTTP 429/418, ccxt RateLimitExceeded / DDoSProtection: back off
  | 'unavailable'   // HTTP 5xx, maintenance, ccxt ExchangeNotAvailable
  | 'network'       // connection refused/reset, DNS: ccxt NetworkError
  | 'auth'          // bad key, signature, permissions or IP whitelist: a human must act
  | 'malformed'     // the exchange answered, but not with the data the adapter needs (never guessed around)
  | 'unsupported'   // the account holds something the guard cannot value (options, spot-margin positions)
  | 'exchange';     // any other error the exchange reported

/** A typed, redacted failure of `CcxtAdapter.fetchSnapshot()`. Never carries keys, secrets or signatures. */
export class AdapterError extends SourceError {
  constructor(source: string, readonly kind: AdapterErrorKind, message: string, causeName?: string) {
    super(source, `${kind}: ${message}`, causeName);
  }

  /** whether the next scheduled refresh may simply succeed (transport and availability faults; not auth, bad data or unsupported holdings) */
  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'rate-limit' || this.kind === 'unavailable' || this.kind === 'network';
  }
}

export class ExchangeTimeoutError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'timeout', message, causeName); }
}
export class ExchangeRateLimitError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'rate-limit', message, causeName); }
}
export class ExchangeUnavailableError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'unavailable', message, causeName); }
}
export class ExchangeNetworkError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'network', message, causeName); }
}
export class ExchangeAuthError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'auth', message, causeName); }
}
/** The payload was not what the exchange documents: not JSON, wrong shape, a field missing or not a number. */
export class MalformedPayloadError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'malformed', message, causeName); }
}
/** The account holds an instrument whose exposure the guard cannot compute; it refuses to guess. */
export class UnsupportedHoldingError extends AdapterError {
  constructor(source: string, message: string) { super(source, 'unsupported', message); }
}
export class ExchangeRejectedError extends AdapterError {
  constructor(source: string, message: string, causeName?: string) { super(source, 'exchange', message, causeName); }
}

/** Thrown inside the adapter where a payload breaks its documented shape; wrapped into MalformedPayloadError with the step's name. */
export class PayloadShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadShapeError';
  }
}

const MAX_MESSAGE = 600;

/** Credentials a ccxt exchange may hold; each literal value is scrubbed from messages. */
const CREDENTIAL_FIELDS = ['apiKey', 'secret', 'password', 'uid', 'login', 'privateKey', 'walletAddress', 'token', 'accountId'];

/**
 * Removes every credential the exchange holds (as literal text, whatever the
 * format of the message) and then anything that looks like a key or signature.
 */
export function scrub(text: string, exchange?: unknown): string {
  let out = text;
  if (exchange && typeof exchange === 'object') {
    for (const f of CREDENTIAL_FIELDS) {
      const v = (exchange as Record<string, unknown>)[f];
      if (typeof v === 'string' && v.length >= 4) out = out.split(v).join('[redacted]');
    }
  }
  out = redact(out);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}… (${out.length - MAX_MESSAGE} more characters)` : out;
}

/** Names of an error's class and its ancestors: robust when two copies of ccxt are loaded. */
function classChain(err: unknown): string[] {
  const names: string[] = [];
  let proto = err !== null && typeof err === 'object' ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype) {
    const n = proto.constructor?.name;
    if (typeof n === 'string') names.push(n);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/**
 * Turns whatever a fetch step threw into a typed AdapterError with a redacted
 * message: ccxt's exception classes map to kinds; our own shape checks and any
 * parse crash (a TypeError on an unexpected payload) are malformed data.
 */
export function classify(err: unknown, source: string, step: string, exchange?: unknown): AdapterError {
  if (err instanceof AdapterError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const chain = classChain(e);
  const message = `${step} failed: ${scrub(e.message, exchange)}`;
  const has = (n: string) => chain.includes(n);
  if (e instanceof PayloadShapeError) return new MalformedPayloadError(source, `${step}: ${scrub(e.message, exchange)}`, e.name);
  if (has('RequestTimeout')) return new ExchangeTimeoutError(source, message, e.name);
  if (has('RateLimitExceeded') || has('DDoSProtection')) return new ExchangeRateLimitError(source, message, e.name);
  if (has('ExchangeNotAvailable') || has('OnMaintenance')) return new ExchangeUnavailableError(source, message, e.name);
  if (has('AuthenticationError') || has('PermissionDenied') || has('AccountSuspended') || has('InvalidNonce')) return new ExchangeAuthError(source, message, e.name);
  if (has('BadResponse') || has('NullResponse')) return new MalformedPayloadError(source, message, e.name);
  if (has('NetworkError')) return new ExchangeNetworkError(source, message, e.name);
  // ccxt's OperationFailed: the exchange failed to process a valid request (binance -1000 "unknown error"): try again later
  if (has('OperationFailed')) return new ExchangeUnavailableError(source, message, e.name);
  if (has('BaseError')) return new ExchangeRejectedError(source, message, e.name);
  // not a ccxt error: a parser tripped over a payload it did not expect
  return new MalformedPayloadError(source, message, e.name);
}
