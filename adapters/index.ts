export { CcxtAdapter } from './ccxt-adapter.js';
export type { CcxtAdapterOptions } from './ccxt-adapter.js';
export {
  AdapterError, ExchangeTimeoutError, ExchangeRateLimitError, ExchangeUnavailableError, ExchangeNetworkError,
  ExchangeAuthError, MalformedPayloadError, UnsupportedHoldingError, ExchangeRejectedError,
} from './errors.js';
export type { AdapterErrorKind } from './errors.js';
export { moduleFor, VERIFIED_EXCHANGES, binanceFuturesModule, bingxModule, bitgetModule, bybitModule, deribitModule, gateModule, htxModule, hyperliquidModule, krakenFuturesModule, kucoinFuturesModule, mexcModule, okxModule, spotModule, genericModule } from './exchanges/index.js';
export type { ExchangeModule, AccountKind } from './exchanges/index.js';
export type { AdapterPosition, AdapterOrder, AdapterBalance, AdapterPrices, FetchContext } from './exchanges/types.js';
export { overrideBaseUrl } from './url-override.js';
