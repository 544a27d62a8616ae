/**
 * The seeded price path: one random walk per instrument. Each step multiplies an
 * unrounded "fair" price by (1 + σ·z), z ≈ N(0,1) from the seeded PRNG; the mark is
 * the fair price on the tick grid. Keeping the fair price unrounded stops a coarse
 * tick from freezing the walk. Same seed, same instruments ⇒ same path.
 */
import { Decimal, ZERO } from '../number.js';
import { Prng } from './prng.js';
import { toTick, type Instrument } from './instruments.js';

const TWO_POW_32 = new Decimal(2).pow(32);
const BPS = new Decimal(10000);
/** How many past marks each instrument keeps (Binance serves at most 1500 klines). */
export const HISTORY = 1500;

export interface PriceStats {
  open: Decimal;
  high: Decimal;
  low: Decimal;
}

export class PricePath {
  private readonly fair = new Map<string, Decimal>();
  private readonly marks = new Map<string, Decimal>();
  private readonly stats = new Map<string, PriceStats>();
  /** The mark after each step (oldest first, at most HISTORY), for klines. */
  private readonly history = new Map<string, Decimal[]>();
  private readonly rng: Prng;
  /** Number of steps taken since the start. */
  steps = 0;

  constructor(
    private readonly instruments: readonly Instrument[],
    seed: number,
    private readonly defaultVolatilityBps: Decimal,
  ) {
    this.rng = new Prng(seed);
    for (const inst of instruments) this.reset(inst, inst.price);
  }

  mark(symbol: string): Decimal {
    const m = this.marks.get(symbol);
    if (m === undefined) throw new Error(`unknown sim symbol ${symbol}`);
    return m;
  }

  statsOf(symbol: string): PriceStats {
    return this.stats.get(symbol)!;
  }

  /** Marks at the end of the last `count` steps (and the start), oldest first. */
  recent(symbol: string, count: number): Decimal[] {
    return this.history.get(symbol)!.slice(-count);
  }

  /** One step of every instrument's walk, in instrument order (so draws are reproducible). */
  step(): void {
    this.steps += 1;
    for (const inst of this.instruments) {
      const sigma = (inst.volatilityBps ?? this.defaultVolatilityBps).div(BPS);
      const z = new Decimal(this.rng.normalNumerator()).div(TWO_POW_32);
      let next = this.fair.get(inst.symbol)!.times(sigma.times(z).plus(1));
      if (next.lte(ZERO)) next = inst.tickSize;
      this.fair.set(inst.symbol, next);
      this.record(inst, toTick(inst, next, 'nearest'));
      const h = this.history.get(inst.symbol)!;
      h.push(this.mark(inst.symbol));
      if (h.length > HISTORY) h.shift();
    }
  }

  /** Sets a mark by hand (tests); the walk continues from it. The current step's close becomes it. */
  set(inst: Instrument, price: Decimal): void {
    this.fair.set(inst.symbol, price);
    this.record(inst, price);
    const h = this.history.get(inst.symbol)!;
    h[h.length - 1] = price;
  }

  private reset(inst: Instrument, price: Decimal): void {
    const mark = toTick(inst, price, 'nearest');
    this.fair.set(inst.symbol, price);
    this.marks.set(inst.symbol, mark);
    this.stats.set(inst.symbol, { open: mark, high: mark, low: mark });
    this.history.set(inst.symbol, [mark]);
  }

  private record(inst: Instrument, mark: Decimal): void {
    this.marks.set(inst.symbol, mark);
    const s = this.stats.get(inst.symbol)!;
    if (mark.gt(s.high)) s.high = mark;
    if (mark.lt(s.low)) s.low = mark;
  }
}
