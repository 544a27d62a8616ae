/**
 * Seeded pseudo-random numbers for the simulated exchange. Integer-only (mulberry32)
 * so a seed gives the same stream on every platform; Math.random is never used.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    // splitmix-style scramble so nearby seeds (1, 2, 3…) give unrelated streams
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (s ^ (s >>> 16)) >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + (this.nextUint32() % (max - min + 1));
  }

  /**
   * An approximately standard-normal draw as an exact ratio numerator/2^32:
   * the sum of 12 uniforms minus 6 (Irwin–Hall). Integer arithmetic only, so the
   * value is bit-identical everywhere; the caller divides by 2^32 in Decimal.
   */
  normalNumerator(): number {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += this.nextUint32();
    return sum - 6 * 2 ** 32; // |sum| < 2^36: exact in a double
  }
}
