import { RiskGuardError } from '../src/errors.js';

/**
 * Points every REST base URL of a ccxt exchange at another origin, keeping the
 * paths: `https://fapi.binance.com/fapi/v1` becomes `http://127.0.0.1:8080/fapi/v1`,
 * and hostname templates (`https://api.{hostname}`) are replaced the same way. Used
 * by the CLI's `--url` to run against a simulated exchange on loopback.
 */
export function overrideBaseUrl(exchange: { urls?: Record<string, any> }, url: string): void {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new RiskGuardError(`--url ${url} is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RiskGuardError(`--url ${url} must be http:// or https://`);
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const api = exchange.urls?.['api'];
  if (!api) throw new RiskGuardError('this exchange has no REST URLs to override');
  exchange.urls!['api'] = rewrite(api, prefix);
}

function rewrite(value: unknown, prefix: string): unknown {
  if (typeof value === 'string') return value.replace(/^https?:\/\/[^/]+/, prefix);
  if (Array.isArray(value)) return value.map((v) => rewrite(v, prefix));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, prefix);
    return out;
  }
  return value;
}
