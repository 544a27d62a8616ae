/**
 * Fault injection for tests: the next matching request(s) fail the way a real
 * exchange or network fails, so a bot's (and ccxt's) error handling can be exercised.
 *
 * What ccxt 4.5.84 binanceusdm raises for each kind:
 *  - 'http500' / 'http502' / 'http503': plain-text 5xx → ExchangeNotAvailable
 *  - 'http429': 429 + {"code":-1003} → DDoSProtection (ccxt's binance maps 418/429 there)
 *  - 'http418': 418 IP ban + {"code":-1003} → DDoSProtection
 *  - 'timeout': no answer until the client gives up → RequestTimeout (set exchange.timeout); the
 *    request is never processed
 *  - 'lostAnswer': the request is processed (an order is placed, amended or cancelled) and its
 *    answer never arrives → RequestTimeout: the client cannot tell it from 'timeout'
 *  - 'disconnect': the socket is destroyed without an answer → NetworkError
 *  - 'malformed': 200 with a truncated JSON body. ccxt does not always raise: fetchBalance returns
 *    an empty balance, fetchPositions an empty list; createOrder/fetchTicker throw a TypeError
 *  - 'auth': 401 + {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."} → AuthenticationError
 */
export type FaultKind = 'http500' | 'http502' | 'http503' | 'http429' | 'http418' | 'timeout' | 'lostAnswer' | 'disconnect' | 'malformed' | 'auth';

export interface FaultSpec {
  /** Exact request path ("/fapi/v1/order") or a pattern; default: every path. */
  path?: string | RegExp;
  /** HTTP method; default: every method. */
  method?: string;
  kind: FaultKind;
  /** How many matching requests fail; default 1. */
  times?: number;
}

interface ActiveFault {
  spec: FaultSpec;
  left: number;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`sim fault times must be a positive integer, got ${String(spec.times)}`);
    this.faults.push({ spec, left: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** Number of injected failures not yet used. */
  pending(): number {
    return this.faults.reduce((n, f) => n + f.left, 0);
  }

  /** The fault this request triggers (used up), or undefined. First injected, first used. */
  take(method: string, path: string): FaultKind | undefined {
    const f = this.faults.find((x) => x.left > 0 && matches(x.spec, method, path));
    if (!f) return undefined;
    f.left -= 1;
    this.faults = this.faults.filter((x) => x.left > 0);
    return f.spec.kind;
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method && spec.method.toUpperCase() !== method) return false;
  if (spec.path === undefined) return true;
  return typeof spec.path === 'string' ? spec.path === path : spec.path.test(path);
}
