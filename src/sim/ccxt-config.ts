/**
 * How to point real, unmodified ccxt `binanceusdm` at the simulator. Three pieces of
 * configuration, all plain constructor config or instance properties:
 *
 *  1. urls.api — every API family (fapi*, and also sapi/dapi/papi/eapi/public…) points
 *     at the simulator, so nothing can reach the real exchange; families the simulator
 *     does not serve answer 404 {"code":-1121}.
 *  2. options — `fetchMarkets: { types: ['linear'] }` (only fapi/v1/exchangeInfo),
 *     `fetchCurrencies: false` (no sapi capital/config/getall), `defaultType: 'swap'`,
 *     and `warnOnFetchOpenOrdersWithoutSymbol: false` (the sim has no rate limits).
 *  3. exceptions — ccxt picks Binance's per-market error table by URL prefix
 *     ("https://fapi.binance.com/…"), which a loopback URL never matches; copying ccxt's
 *     own `exceptions.linear` table over the common one restores the exact mapping
 *     (-2019 → InsufficientFunds, -2022 → InvalidOrder, -4164 → InvalidOrder, …).
 */
import ccxt from 'ccxt';

type ExceptionTable = Record<string, unknown>;

/** The parts of a ccxt binanceusdm instance that attach() sets. */
export interface CcxtExchangeLike {
  urls: { api: Record<string, unknown> } & Record<string, unknown>;
  options: Record<string, unknown>;
  exceptions: Record<string, unknown>;
  apiKey?: string;
  secret?: string;
}

export const SIM_API_KEY = 'sim-api-key';
export const SIM_SECRET = 'sim-secret';

export const SIM_CCXT_OPTIONS = {
  fetchMarkets: { types: ['linear'] },
  fetchCurrencies: false,
  defaultType: 'swap',
  defaultSubType: 'linear',
  warnOnFetchOpenOrdersWithoutSymbol: false,
  adjustForTimeDifference: false,
} as const;

let reference: CcxtExchangeLike | undefined;

/** A pristine binanceusdm instance, read once for its URL families and error tables. */
function pristine(): CcxtExchangeLike {
  reference ??= new ccxt.binanceusdm() as unknown as CcxtExchangeLike;
  return reference;
}

/** Every API URL of binanceusdm rewritten onto the simulator, keeping the path (/fapi/v1…). */
export function simApiUrls(baseUrl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, url] of Object.entries(pristine().urls.api)) {
    if (typeof url !== 'string') continue;
    out[name] = baseUrl + new URL(url).pathname.replace(/\/$/, '');
  }
  return out;
}

/** ccxt's linear (fapi) error tables merged over the common ones. */
export function linearExceptions(): { exact: ExceptionTable; broad: ExceptionTable } {
  const ex = pristine().exceptions as { exact: ExceptionTable; broad: ExceptionTable; linear?: { exact?: ExceptionTable; broad?: ExceptionTable } };
  return {
    exact: { ...ex.exact, ...(ex.linear?.exact ?? {}) },
    broad: { ...ex.broad, ...(ex.linear?.broad ?? {}) },
  };
}

/** Constructor config for `new ccxt.binanceusdm(…)`; `extra` is merged last (shallow, options deep). */
export function ccxtConfig(baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { options: extraOptions, ...rest } = extra;
  return {
    apiKey: SIM_API_KEY,
    secret: SIM_SECRET,
    enableRateLimit: false,
    urls: { api: simApiUrls(baseUrl) },
    exceptions: linearExceptions(),
    ...rest,
    options: { ...SIM_CCXT_OPTIONS, ...(extraOptions as Record<string, unknown> | undefined) },
  };
}

/** A new ccxt binanceusdm client configured for the simulator. */
export function createCcxtClient(baseUrl: string, extra: Record<string, unknown> = {}): InstanceType<typeof ccxt.binanceusdm> {
  return new ccxt.binanceusdm(ccxtConfig(baseUrl, extra) as ConstructorParameters<typeof ccxt.binanceusdm>[0]);
}

/** Points an existing binanceusdm instance at the simulator (see the file header). */
export function attachCcxt<T extends CcxtExchangeLike>(exchange: T, baseUrl: string): T {
  exchange.urls.api = { ...exchange.urls.api, ...simApiUrls(baseUrl) };
  Object.assign(exchange.options, SIM_CCXT_OPTIONS);
  const { exact, broad } = linearExceptions();
  exchange.exceptions['exact'] = { ...(exchange.exceptions['exact'] as ExceptionTable), ...exact };
  exchange.exceptions['broad'] = { ...(exchange.exceptions['broad'] as ExceptionTable), ...broad };
  if (!exchange.apiKey) exchange.apiKey = SIM_API_KEY;
  if (!exchange.secret) exchange.secret = SIM_SECRET;
  return exchange;
}
