// One redaction for every URL the program prints or logs: passwords with `@`, `/`, `%` and `:` in them,
// encoded or not, in the user or the password; URLs inside free text (commander's errors); the logger.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/deps/logger.js';
import { redactSecrets, redactUrl } from '../../src/ops/redact.js';

const SECRET = 'Zq9secret';
const cases: [string, string][] = [
  ['plain', `postgres://metro:${SECRET}@db.internal:5432/metronome`],
  ['@ in the password', `postgres://metro:${SECRET}@x@db.internal:5432/metronome`],
  ['/ in the password', `postgres://metro:${SECRET}/x@db.internal/metronome`],
  ['% in the password (not an escape)', `postgres://metro:${SECRET}%zz@db.internal/metronome`],
  ['%-encoded @ / : in the password', `postgres://metro:${SECRET}%40%2F%3A@db.internal/metronome`],
  [': in the password', `postgres://metro:${SECRET}:x:y@db.internal/metronome`],
  ['@ and : in the user', `postgres://me@corp:${SECRET}@db.internal/metronome`],
  ['/ and % in the user', `postgres://me/x%41:${SECRET}@db.internal/metronome`],
  ['an RPC URL', `https://indexer:${SECRET}@node.example:443/`],
  ['a password query parameter', `postgres://db.internal/metronome?sslmode=require&password=${SECRET}`],
];

describe('redactUrl', () => {
  for (const [what, url] of cases)
    it(`hides the password: ${what}`, () => {
      const out = redactUrl(url);
      expect(out).not.toContain(SECRET);
      expect(out).toContain('***');
      // The host stays visible: the operator must still see where it points.
      expect(out).toMatch(/db\.internal|node\.example/);
    });

  it('leaves URLs without credentials alone, and keeps a plain user name', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres',
    );
    expect(redactUrl('http://127.0.0.1:26657/')).toBe('http://127.0.0.1:26657/');
    expect(redactUrl('pglite:///var/lib/metronome')).toBe('pglite:///var/lib/metronome');
  });

  it('hides a lone user name that looks like an API key', () => {
    expect(redactUrl('https://a1B2c3D4e5F6g7H8i9J0k1L2@node.example/')).toBe('https://***@node.example/');
  });
});

describe('redactSecrets (free text)', () => {
  it("hides every URL's password in a commander error, quoted values included", () => {
    for (const [, url] of cases) {
      const msg = `error: option '--db <url>' argument '${url}' is invalid. not a valid URL: "${url}"`;
      const out = redactSecrets(msg);
      expect(out).not.toContain(SECRET);
      expect(out).toMatch(/^error: option '--db <url>' argument '.*' is invalid\. not a valid URL: ".*"$/);
    }
  });

  it('a password with a space inside a quoted value', () => {
    const out = redactSecrets(`argument 'postgres://metro:two ${SECRET}@db/x' is invalid.`);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('two');
  });
});

describe('the logger', () => {
  it('redacts URLs in fields, nested fields, errors and the message', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const logger = createLogger('info', sink);
    const url = `http://user:${SECRET}@node.example/`;
    logger.info({ rpc: url, nested: { db: `postgres://m:${SECRET}@h/d` } }, `connecting to ${url}`);
    logger.warn({ err: new Error(`fetch ${url} failed`) }, 'retry');
    expect(out).not.toContain(SECRET);
    expect(out).toContain('http://user:***@node.example/');
    expect(out.trim().split('\n')).toHaveLength(2);
  });
});
