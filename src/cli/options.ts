// Option parsers shared by the subcommands: each rejects a bad value (from a flag or its environment
// variable) at start with a message naming it, before anything connects.
import { InvalidArgumentError } from 'commander';
import { redactUrl } from '../ops/redact.js';

export function requireOption(value: string | undefined, flag: string, env: string): string {
  if (value === undefined || value === '') throw new InvalidArgumentError(`${flag} (or ${env}) is required`);
  return value;
}

export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
  return n;
}

export function positiveInt(v: string): number {
  const n = nonNegativeInt(v);
  if (n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

export function port(v: string): number {
  const n = nonNegativeInt(v);
  if (n > 65535) throw new InvalidArgumentError(`expected a TCP port (0-65535), got "${v}"`);
  return n;
}

/** postgres://…, postgresql://… or pglite://DIR (pglite://memory for a throwaway database). */
export function databaseUrl(v: string): string {
  if (!/^(postgres|postgresql|pglite):\/\//.test(v))
    throw new InvalidArgumentError(
      `expected postgres://…, postgresql://… or pglite://…, got "${redactUrl(v)}"`,
    );
  if (v.startsWith('pglite:')) return v;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`not a valid URL: "${redactUrl(v)}"`);
  }
  // The driver percent-decodes the user and password on every connect: a stray `%` would fail each
  // attempt (a retried "database down") instead of failing here, at start.
  try {
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
  } catch {
    throw new InvalidArgumentError(
      `the user or password in "${redactUrl(v)}" is not valid percent-encoding (write % as %25)`,
    );
  }
  return v;
}

export function httpUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`not a valid URL: "${redactUrl(v)}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http(s) URL, got "${redactUrl(v)}"`);
  return v;
}

/** `file:PATH` */
export function fileSourceSpec(v: string): string {
  if (!v.startsWith('file:') || v.length === 'file:'.length)
    throw new InvalidArgumentError(`expected file:PATH, got "${redactUrl(v)}"`);
  return v;
}
