import { binanceFuturesModule } from './binance.js';
import { bingxModule } from './bingx.js';
import { bitgetModule } from './bitget.js';
import { bybitModule } from './bybit.js';
import { deribitModule } from './deribit.js';
import { gateModule } from './gate.js';
import { genericModule } from './generic.js';
import { htxModule } from './htx.js';
import { hyperliquidModule } from './hyperliquid.js';
import { krakenFuturesModule } from './krakenfutures.js';
import { kucoinFuturesModule } from './kucoinfutures.js';
import { mexcModule } from './mexc.js';
import { okxModule } from './okx.js';
import { spotModule } from './spot.js';
import type { ExchangeModule } from './types.js';

export type AccountKind = 'contract' | 'spot';

/** ccxt ids with a module tested on the exchange's own payloads (README, Supported exchanges). */
export const VERIFIED_EXCHANGES: readonly string[] = [
  'binance (spot, USDⓈ-M, COIN-M)', 'binanceusdm', 'binancecoinm', 'bybit', 'okx', 'deribit', 'gate', 'bitget',
  'kucoinfutures', 'mexc', 'bingx', 'htx', 'hyperliquid', 'krakenfutures',
];

/**
 * The module that knows an exchange's raw formats, by ccxt id. `kind` forces a
 * spot or a contract reading where one ccxt class serves both (ccxt.binance with
 * defaultType 'spot' or 'future', exchanges without a named module).
 */
export function moduleFor(exchange: { id: string; options?: Record<string, any>; has?: Record<string, any> }, kind?: AccountKind): ExchangeModule {
  const defaultType = exchange.options?.['defaultType'];
  const subType = exchange.options?.['defaultSubType'];
  switch (exchange.id) {
    case 'binanceusdm':
      return binanceFuturesModule('linear');
    case 'binancecoinm':
      return binanceFuturesModule('inverse');
    case 'bybit':
      return bybitModule();
    case 'okx':
      return okxModule();
    case 'deribit':
      return deribitModule();
    case 'hyperliquid':
      return hyperliquidModule();
    case 'krakenfutures':
      return krakenFuturesModule();
    case 'gate':
    case 'bitget':
      // one ccxt class for spot and contracts: the contract module unless the host asks for spot (bitget's default type is spot)
      if (kind === 'spot' || (kind === undefined && defaultType === 'spot')) return spotModule(exchange.id);
      return exchange.id === 'gate' ? gateModule() : bitgetModule();
    case 'kucoinfutures':
      return kucoinFuturesModule();
    case 'mexc':
      return mexcModule();
    case 'bingx':
      return bingxModule();
    case 'htx':
      return htxModule();
    case 'binance':
      if (kind === 'spot' || (kind === undefined && (defaultType === undefined || defaultType === 'spot'))) return spotModule('binance');
      if (defaultType === 'delivery' || subType === 'inverse') return binanceFuturesModule('inverse');
      return binanceFuturesModule('linear');
    default:
      if (kind === 'spot' || (kind === undefined && (defaultType === 'spot' || !exchange.has?.['fetchPositions']))) return spotModule(exchange.id);
      return genericModule();
  }
}

export { binanceFuturesModule, bingxModule, bitgetModule, bybitModule, deribitModule, gateModule, genericModule, htxModule, hyperliquidModule, krakenFuturesModule, kucoinFuturesModule, mexcModule, okxModule, spotModule };
export type { ExchangeModule } from './types.js';
