// Time and randomness are injected so back-off and rate limiting can be proven without waiting.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A clock whose sleep returns at once after moving time forward. Sleepers are not woken in deadline
 * order, so a waiter may observe a later time than it asked for — never an earlier one.
 */
export interface VirtualClock extends Clock {
  /** Every sleep requested so far, in ms, in call order. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function virtualClock(start = 0): VirtualClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    advance(ms) {
      t += ms;
    },
    async sleep(ms) {
      sleeps.push(ms);
      t += Math.max(0, ms);
      await Promise.resolve();
    },
  };
}

/** mulberry32: a tiny seeded generator in [0, 1), so jitter is reproducible in tests. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
