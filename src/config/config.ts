import type { z } from 'zod';
import { Decimal, HUNDRED } from '../number.js';
import { ConfigError } from '../errors.js';
import { configSchema, type RiskGuardConfig, type RiskGuardConfigInput, type TradingState } from './schema.js';

/** A limit that is either an absolute amount of quoteCurrency or a share of equity. */
export type Threshold = { kind: 'value'; value: Decimal } | { kind: 'pctOfEquity'; fraction: Decimal; pct: Decimal };

/** The validated config with every decimal parsed once, so checks never parse strings. */
export interface GuardConfig {
  readonly raw: RiskGuardConfig;
  readonly quoteCurrency: string;
  readonly cashCurrencies: ReadonlySet<string>;
  readonly mode: 'enforce' | 'dryRun';
  readonly onBreach: 'resize' | 'block';
  readonly alwaysAllowReducing: boolean;
  readonly tradingState: TradingState;
  readonly freshness: { maxAgeMs: number; onStale: 'refresh' | 'block'; afterOrderMs: number; lostOrderGraceMs: number };
  readonly refreshIntervalMs: number;
  readonly allowUnverifiedExchange: boolean;
  readonly auditLog?: string;
  readonly limits: CompiledLimits;
}

export interface CompiledLimits {
  maxNetExposure?: Threshold;
  maxGrossExposure?: Threshold;
  maxLeverage?: Decimal;
  maxPositionNotional?: { default?: Decimal; symbols: Map<string, Decimal> };
  maxAssetExposure?: { default?: Decimal; assets: Map<string, Decimal> };
  maxOrderNotional?: Decimal;
  maxOrderAmount?: { default?: Decimal; symbols: Map<string, Decimal> };
  priceBandBps?: Decimal;
  maxOpenOrders?: { perSymbol?: number; total?: number };
  orderRate?: { max: number; perMs: number };
  maxDrawdownPct?: { value: Decimal; action: 'REDUCING' | 'HALTED' };
  symbols?: { allow: ReadonlySet<string>; deny: ReadonlySet<string> };
}

const d = (v: string | number) => new Decimal(typeof v === 'string' ? v.trim() : v);

function threshold(t: { value: string | number } | { pctOfEquity: string | number }): Threshold {
  if ('value' in t) return { kind: 'value', value: d(t.value) };
  const pct = d(t.pctOfEquity);
  return { kind: 'pctOfEquity', pct, fraction: pct.div(HUNDRED) };
}

/** Per-key decimals with an optional "*" default. */
function keyed(record: Record<string, string | number>): { default?: Decimal; map: Map<string, Decimal> } {
  const map = new Map<string, Decimal>();
  let def: Decimal | undefined;
  for (const [k, v] of Object.entries(record)) {
    if (k === '*') def = d(v);
    else map.set(k, d(v));
  }
  return def === undefined ? { map } : { default: def, map };
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

/**
 * Validates a config and compiles it. Throws ConfigError listing every problem at
 * once, each with its path, so a user fixes the file in one go.
 */
export function parseConfig(input: unknown): GuardConfig {
  // no config at all is the defaults; a config that is null (a JSON file holding null) is a mistake
  const parsed = configSchema.safeParse(input === undefined ? {} : input);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  const c = parsed.data;
  const problems: string[] = [];
  const l = c.limits;
  const limits: CompiledLimits = {};
  if (l.maxNetExposure) limits.maxNetExposure = threshold(l.maxNetExposure);
  if (l.maxGrossExposure) limits.maxGrossExposure = threshold(l.maxGrossExposure);
  if (l.maxLeverage !== undefined) limits.maxLeverage = d(l.maxLeverage);
  if (l.maxPositionNotional) {
    const symbols = new Map(Object.entries(l.maxPositionNotional.symbols ?? {}).map(([k, v]) => [k, d(v)]));
    limits.maxPositionNotional = l.maxPositionNotional.default === undefined
      ? { symbols }
      : { default: d(l.maxPositionNotional.default), symbols };
  }
  if (l.maxAssetExposure) {
    const k = keyed(l.maxAssetExposure);
    limits.maxAssetExposure = k.default === undefined ? { assets: k.map } : { default: k.default, assets: k.map };
  }
  if (l.maxOrderNotional !== undefined) limits.maxOrderNotional = d(l.maxOrderNotional);
  if (l.maxOrderAmount) {
    const k = keyed(l.maxOrderAmount);
    limits.maxOrderAmount = k.default === undefined ? { symbols: k.map } : { default: k.default, symbols: k.map };
  }
  if (l.priceBandBps !== undefined) limits.priceBandBps = d(l.priceBandBps);
  if (l.maxOpenOrders) limits.maxOpenOrders = { ...l.maxOpenOrders };
  if (l.orderRate) limits.orderRate = { ...l.orderRate };
  if (l.maxDrawdownPct) {
    const v = d(l.maxDrawdownPct.value);
    // the schema refuses more than 100 in doubles; a decimal string a hair above it is caught exactly here
    if (v.gt(HUNDRED)) problems.push('limits.maxDrawdownPct.value: must be at most 100');
    limits.maxDrawdownPct = { value: v, action: l.maxDrawdownPct.action };
  }
  if (l.symbols) {
    limits.symbols = { allow: new Set(l.symbols.allow), deny: new Set(l.symbols.deny) };
  }
  if (problems.length) throw new ConfigError(problems);
  const cash = new Set(c.cashCurrencies);
  cash.add(c.quoteCurrency);
  const config: GuardConfig = {
    raw: c,
    quoteCurrency: c.quoteCurrency,
    cashCurrencies: cash,
    mode: c.mode,
    onBreach: c.onBreach,
    alwaysAllowReducing: c.alwaysAllowReducing,
    tradingState: c.tradingState,
    freshness: c.freshness,
    refreshIntervalMs: c.refreshIntervalMs,
    allowUnverifiedExchange: c.allowUnverifiedExchange,
    limits,
    ...(c.auditLog === undefined ? {} : { auditLog: c.auditLog }),
  };
  return config;
}

export type { RiskGuardConfigInput, RiskGuardConfig, TradingState };
