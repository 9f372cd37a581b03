// The simulator's randomness: small, seeded and replayable. Not part of the public surface.

/** mulberry32: a 32-bit seeded generator, uniform in [0, 1). Good enough for test data, not for secrets. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seeded stream with the few draws the simulator needs. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. Always draws, so the stream advances the same way whatever `p` is. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.min(items.length - 1, Math.floor(this.next() * items.length))]!;
  }

  /** A version-4-shaped UUID made from the stream, so ids replay with the seed. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

/**
 * Independent streams from one seed (scripts, ids, chaos), so that creating an execution
 * never shifts the chaos sequence and a run replays request by request.
 */
export function streams(seed: number): { scripts: Random; ids: Random; chaos: Random; moreChaos: Random } {
  const derive = (salt: number): number => Math.imul((seed ^ salt) >>> 0, 0x9e3779b1) >>> 0;
  return {
    scripts: new Random(derive(0x5c1)),
    ids: new Random(derive(0x1d5)),
    chaos: new Random(derive(0xc4a05)),
    moreChaos: new Random(derive(0xc4a06)),
  };
}
