// Seeded randomness: one seed split into named, independent streams (world, txs, plays, faults, schedule,
// legacy…), so adding a generator to one stream never shifts another. Built on pure-rand's xoroshiro128+.
import { createHash } from 'node:crypto';
import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/** A 32-bit seed derived from a seed and labels (stable across runs and platforms). */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  const h = createHash('sha256')
    .update([seed, ...labels].join('\u0001'))
    .digest();
  return h.readInt32LE(0);
}

export class Rng {
  private readonly gen: RandomGenerator;

  private constructor(
    readonly seed: number,
    readonly name: string,
  ) {
    this.gen = xoroshiro128plus(deriveSeed(seed, name));
  }

  static stream(seed: number, name: string): Rng {
    return new Rng(seed, name);
  }

  /** Integer in [min, max], inclusive. */
  int(min: number, max: number): number {
    if (max < min) throw new Error(`rng.int: empty range [${min}, ${max}]`);
    return unsafeUniformIntDistribution(min, max, this.gen);
  }

  /** Float in [0, 1). */
  float(): number {
    return unsafeUniformIntDistribution(0, 0x3fffffff, this.gen) / 0x40000000;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('rng.pick: empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Index in [0, n), log-uniform: index 0 is the hottest, a long tail behind it (power-law popularity). */
  powerLaw(n: number): number {
    if (n <= 1) return 0;
    return Math.min(n - 1, Math.floor((n + 1) ** this.float()) - 1);
  }

  /** Weighted choice over [value, weight] pairs. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((s, [, w]) => s + w, 0);
    let r = this.float() * total;
    for (const [v, w] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1]![0];
  }

  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(0, 255).toString(16).padStart(2, '0');
    return s;
  }
}

/** A fault decision that depends only on (seed, operation, repeat), never on async ordering. */
export function decide(seed: number, probability: number, ...key: (string | number)[]): boolean {
  const h = createHash('sha256')
    .update([seed, ...key].join('\u0001'))
    .digest();
  return h.readUInt32LE(0) / 0x1_0000_0000 < probability;
}
