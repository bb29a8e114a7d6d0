import { InvalidArgumentError } from 'commander';

export function requireOption(value: string | undefined, flag: string, env: string): string {
  if (value === undefined || value === '') throw new InvalidArgumentError(`${flag} (or ${env}) is required`);
  return value;
}

export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return n;
}
