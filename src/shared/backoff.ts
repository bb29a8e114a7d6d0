// Retry spacing shared by every caller that waits before trying again (the prefetcher, the node client).

const BACKOFF_START_MS = 200;
const BACKOFF_DOUBLE_BELOW_MS = 2000;

/** 0 → 200 → 400 → 800 → 1600 → 3200 → 3200 … */
export function nextBackoff(current: number): number {
  if (current === 0) return BACKOFF_START_MS;
  return current < BACKOFF_DOUBLE_BELOW_MS ? current * 2 : current;
}
