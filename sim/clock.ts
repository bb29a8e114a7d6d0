// Simulated time, the one fake clock (simulator and tests): sleeps return immediately and advance the clock,
// so the prefetcher's and run loop's backoffs are exercised without slowing a run, and time-derived values
// replay exactly.
import type { Clock } from '../src/deps/clock.js';

export const SIM_GENESIS_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

export class SimClock implements Clock {
  private ms: number;
  /** Every sleep asked for, in order (tests read the backoff sequence from it). */
  readonly sleeps: number[] = [];

  constructor(startMs: number = SIM_GENESIS_MS) {
    this.ms = startMs;
  }

  now(): Date {
    return new Date(this.ms);
  }

  monotonicMs(): number {
    return this.ms - SIM_GENESIS_MS;
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.ms += ms;
    this.sleeps.push(ms);
    // Yield so other async work (the consumer of a prefetch buffer) can run, like a real sleep would.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Block timestamps: ~1 s apart with seeded jitter in microseconds, as RFC 3339 UTC with µs. */
export function blockTimestamp(height: number, jitterUs: number): string {
  const ms = SIM_GENESIS_MS + height * 1000;
  const iso = new Date(ms).toISOString(); // …T00:00:01.000Z
  return `${iso.slice(0, 19)}.${String(jitterUs).padStart(6, '0')}Z`;
}
