import ccxt from 'ccxt';
import { RiskGuardError } from '../src/errors.js';
import { overrideBaseUrl } from './url-override.js';

/** Environment variables the CLI reads an account's API credentials from (never from flags, which end up in shell history). */
export const CREDENTIAL_ENV = {
  apiKey: 'RISK_GUARD_API_KEY',
  secret: 'RISK_GUARD_SECRET',
  password: 'RISK_GUARD_PASSWORD',
  uid: 'RISK_GUARD_UID',
} as const;

export const CREDENTIAL_HELP = `Credentials come from the environment:
  ${CREDENTIAL_ENV.apiKey}    API key (required)
  ${CREDENTIAL_ENV.secret}     API secret (required)
  ${CREDENTIAL_ENV.password}   API passphrase (okx and other exchanges that have one)
  ${CREDENTIAL_ENV.uid}        account uid (exchanges that require one)
A read-only key is enough: the commands only read positions, balances, open orders and prices.`;

export interface ExchangeFromEnvOptions {
  /** ccxt exchange id: binanceusdm, binancecoinm, bybit, okx, binance (spot) … */
  exchange: string;
  /** replaces the scheme and host of every REST URL (a simulated exchange on loopback) */
  url?: string;
  env?: NodeJS.ProcessEnv;
  /** ccxt constructor options merged over the defaults */
  options?: Record<string, unknown>;
}

/**
 * A ccxt exchange for the CLI: credentials from the environment, ccxt's rate
 * limiter on, currencies not loaded (the snapshot does not need them, and they
 * are a private call on several exchanges), and `url` applied.
 */
export function exchangeFromEnv(opts: ExchangeFromEnvOptions): any {
  const env = opts.env ?? process.env;
  const id = opts.exchange;
  const Ctor = (ccxt as unknown as Record<string, unknown>)[id];
  if (typeof Ctor !== 'function' || !(ccxt as any).exchanges?.includes(id)) {
    // JSON quoting keeps an id with a line break (a pasted value) on one line
    throw new RiskGuardError(`unknown exchange ${JSON.stringify(String(id))}: use a ccxt id such as binanceusdm, binancecoinm, bybit, okx or binance`);
  }
  const apiKey = env[CREDENTIAL_ENV.apiKey];
  const secret = env[CREDENTIAL_ENV.secret];
  if (!apiKey || !secret) {
    throw new RiskGuardError(`set ${CREDENTIAL_ENV.apiKey} and ${CREDENTIAL_ENV.secret} (and ${CREDENTIAL_ENV.password} for okx) to read the account`);
  }
  const config: Record<string, unknown> = {
    apiKey,
    secret,
    enableRateLimit: true,
    has: { fetchCurrencies: false },
    options: { fetchCurrencies: false, ...(opts.options ?? {}) },
  };
  const password = env[CREDENTIAL_ENV.password];
  const uid = env[CREDENTIAL_ENV.uid];
  if (password) config['password'] = password;
  if (uid) config['uid'] = uid;
  const exchange = new (Ctor as new (c: Record<string, unknown>) => any)(config);
  if (opts.url) overrideBaseUrl(exchange, opts.url);
  return exchange;
}

/** Lets the process exit promptly: ccxt keeps idle keep-alive sockets open for a minute. */
export async function releaseExchange(exchange: any): Promise<void> {
  try {
    await exchange?.close?.();
    await exchange?.fetchDispatcher?.close?.();
  } catch {
    // nothing to release
  }
}
