// `index --challenges-every N`: run a challenge tick after every N indexed blocks, never two at once, and
// never blocking block indexing (the tick uses its own transactions, like production's separate job).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { type ChallengeDeps, runChallengeTick, type TickReport } from './tick.js';

export interface ChallengeScheduler {
  /** Call after each indexed block; starts a tick every `every` blocks unless one is still running. */
  onBlockIndexed(height: number): void;
  /** Resolves when the tick in flight (if any) has finished. */
  idle(): Promise<void>;
}

export function challengeScheduler(
  db: Kysely<Database>,
  deps: ChallengeDeps,
  every: number,
  onReport: (report: TickReport) => void = () => {},
): ChallengeScheduler {
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`--challenges-every must be a positive integer: ${every}`);
  let inFlight: Promise<void> | null = null;
  let seen = 0;
  return {
    onBlockIndexed() {
      seen++;
      if (seen % every !== 0 || inFlight) return;
      inFlight = runChallengeTick(db, deps)
        .then(onReport, (e: unknown) => deps.logger.error({ err: String(e) }, 'challenge tick failed'))
        .finally(() => {
          inFlight = null;
        });
    },
    async idle() {
      await inFlight;
    },
  };
}
