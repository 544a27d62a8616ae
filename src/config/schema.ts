import { z } from 'zod';

/**
 * The config of DESIGN.md as a zod schema. Decimals are accepted as strings or
 * numbers; objects are strict so a misspelt limit is an error, never a limit that
 * silently does not exist.
 */
const DECIMAL_RE = /^\s*\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A non-negative decimal given as a string ("8000") or a finite number (8000). */
export const decimalInput = z.union([
  z.string().regex(DECIMAL_RE, 'must be a non-negative decimal such as "8000" or "0.5"'),
  z.number().finite().nonnegative(),
], { error: 'must be a non-negative decimal (string or number)' });

const positiveInt = z.number().int().positive();

/** An absolute value in quoteCurrency, or a percentage of the account's equity. */
const valueOrPct = z.union([
  z.strictObject({ value: decimalInput }),
  z.strictObject({ pctOfEquity: decimalInput }),
], { error: 'must be { "value": "…" } or { "pctOfEquity": "…" }' });

export const limitsSchema = z.strictObject({
  maxNetExposure: valueOrPct.optional().describe('Cap on |long − short| notional of the whole account, pending orders included.'),
  maxGrossExposure: valueOrPct.optional().describe('Cap on Σ|notional| of every holding, pending orders included.'),
  maxLeverage: decimalInput.optional().describe('Cap on gross exposure / equity.'),
  maxPositionNotional: z.strictObject({
    default: decimalInput.optional().describe('Applies to every symbol without its own entry.'),
    symbols: z.record(z.string(), decimalInput).optional().describe('Per ccxt symbol, e.g. { "BTC/USDT:USDT": "20000" }.'),
  }).optional().describe('Cap on |notional| of one position (symbol, and side in hedge mode).'),
  maxAssetExposure: z.record(z.string(), decimalInput).optional().describe('Cap on |signed notional| summed over every holding of one base asset, across venues; "*" sets a default.'),
  maxOrderNotional: decimalInput.optional().describe('Cap on one order\'s notional (limit price for limit orders, mark for market orders).'),
  maxOrderAmount: z.record(z.string(), decimalInput).optional().describe('Cap on one order\'s amount in ccxt units, per symbol; "*" sets a default.'),
  priceBandBps: decimalInput.optional().describe('Blocks limit orders priced further than this many basis points from the mark.'),
  maxOpenOrders: z.strictObject({
    perSymbol: positiveInt.optional().describe('Per symbol and account.'),
    total: positiveInt.optional().describe('Across every symbol and account.'),
  }).optional().describe('Blocks an order that would exceed this many open + in-flight orders.'),
  orderRate: z.strictObject({ max: positiveInt.describe('Approved orders per window.'), perMs: positiveInt.describe('Window length in milliseconds.') }).optional().describe('Blocks orders beyond `max` approvals in any sliding window of `perMs` milliseconds.'),
  maxDrawdownPct: z.strictObject({
    // checked here, not after parsing, so it is listed with every other problem of the config
    value: decimalInput.refine((v) => Number(v) <= 100, 'must be at most 100').describe('Percent below the peak, e.g. "5".'),
    action: z.enum(['REDUCING', 'HALTED']).default('REDUCING').describe('The state the guard moves to.'),
  }).optional().describe('Moves the guard to REDUCING or HALTED when equity falls this many percent below the session\'s peak.'),
  symbols: z.strictObject({
    allow: z.array(z.string()).default([]).describe('Only these symbols may trade (empty = all).'),
    deny: z.array(z.string()).default([]).describe('These symbols may not trade.'),
  }).superRefine((v, ctx) => {
    const overlap = v.allow.filter((s) => v.deny.includes(s));
    if (overlap.length) ctx.addIssue({ code: 'custom', message: `${overlap.join(', ')} is both allowed and denied` });
  }).optional().describe('Symbol allow list (empty = all) and deny list.'),
});

export const tradingStateSchema = z.enum(['ACTIVE', 'REDUCING', 'HALTED']);

export const configSchema = z.strictObject({
  quoteCurrency: z.string().min(1).default('USDT').describe('Currency every notional and equity is valued in.'),
  cashCurrencies: z.array(z.string().min(1)).default(['USDT', 'USDC', 'USD']).describe('Currencies worth 1 quoteCurrency each; they carry no exposure.'),
  mode: z.enum(['enforce', 'dryRun']).default('enforce').describe('dryRun decides and reports but never blocks or resizes.'),
  onBreach: z.enum(['resize', 'block']).default('resize').describe('What to do with an order that breaches a resizable limit.'),
  alwaysAllowReducing: z.boolean().default(true).describe('The part of an order that shrinks a position is exempt from exposure limits.'),
  tradingState: tradingStateSchema.default('ACTIVE').describe('Initial state: ACTIVE trades, REDUCING only shrinks positions, HALTED blocks every order.'),
  freshness: z.strictObject({
    maxAgeMs: positiveInt.default(5000).describe('Data older than this is stale.'),
    onStale: z.enum(['refresh', 'block']).default('refresh').describe('A check on stale data refreshes first, or blocks opening orders with STALE_DATA.'),
    afterOrderMs: z.number().int().nonnegative().default(1000).describe('After an order event (ack, fill, cancel) the account is re-read within this many milliseconds; 0 = not at all.'),
    lostOrderGraceMs: z.number().int().nonnegative().default(10000).describe("An order whose request timed out counts until an open-order list requested this long after does not show it; keep it at least the exchange's receive window (recvWindow)."),
  }).prefault({}).describe('How old account data may be when a check runs.'),
  refreshIntervalMs: z.number().int().nonnegative().default(0).describe('Background refresh interval for live sources; 0 = only on demand.'),
  allowUnverifiedExchange: z.boolean().default(false).describe('Accept a ccxt exchange without a verified module: its reads then pass only where the exchange states figures the guard can check, and exposure() carries a warning.'),
  auditLog: z.string().min(1).optional().describe('Path of a JSONL file that receives one line per decision and state change.'),
  limits: limitsSchema.prefault({}).describe('Every limit is optional; decimals are strings or numbers.'),
});

export type RiskGuardConfigInput = z.input<typeof configSchema>;
export type RiskGuardConfig = z.output<typeof configSchema>;
export type TradingState = z.infer<typeof tradingStateSchema>;

/** The config schema as JSON Schema (draft 2020-12), for editors and validators. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
