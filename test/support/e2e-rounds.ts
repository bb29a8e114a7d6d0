// How many rounds each end-to-end check runs: E2E_ROUNDS (CI sets 3, so a flaky ride-through shows up
// as one red round out of three), 1 by default so a local `pnpm test` spends its minutes once.
export function e2eRounds(env: string | undefined = process.env.E2E_ROUNDS): number[] {
  const n = env === undefined || env === '' ? 1 : Number(env);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`E2E_ROUNDS must be a positive integer, got "${env}"`);
  return Array.from({ length: n }, (_, i) => i + 1);
}
