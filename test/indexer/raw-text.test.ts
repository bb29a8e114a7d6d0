// An oversized hostile tx is rejected and its raw audit record keeps a bounded prefix plus the length
// and SHA-256 of what it carried, never the whole value.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES } from '../../src/entity-manager/apply.js';
import { RAW_PREFIX_CHARS, rawText } from '../../src/indexer/raw-text.js';
import { emTx, TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

describe('raw text bounds', () => {
  it('keeps short text as is (NUL sanitised) and bounds long text with its hash', () => {
    expect(rawText('abc', 10)).toBe('abc');
    expect(rawText('a\u0000b', 10)).toBe('a\uFFFDb');
    const long = 'é'.repeat(10_000);
    const kept = rawText(long, 1024);
    const sha = createHash('sha256').update(long, 'utf8').digest('hex');
    expect(kept.startsWith('é'.repeat(1024))).toBe(true);
    expect(kept).toContain(`[truncated: 20000 bytes, sha256 ${sha}]`);
  });

  describe('through indexBlock', () => {
    let tdb: TestDb;
    beforeAll(async () => {
      tdb = await createTestDb();
    });
    afterAll(() => tdb.close());

    it('a 3 MB metadata and a 100 kB signer are rejected and recorded bounded', async () => {
      const chain = new TestChain(tdb.db);
      const metadata = JSON.stringify({ cid: 'x', data: { name: 'n'.repeat(3 * 1024 * 1024) } });
      const signer = `0x${'f'.repeat(100_000)}`;
      const row = await chain.one(
        emTx({
          userId: 3_000_001,
          entityType: 'User',
          entityId: 3_000_001,
          action: 'Update',
          signer,
          metadata,
        }),
      );
      expect(row.reason_code).toBe('metadata_too_large');
      const raw = await tdb.db
        .selectFrom('etl_manage_entities')
        .select(['metadata', 'signer', 'address'])
        .where('block_height', '=', chain.height)
        .executeTakeFirstOrThrow();
      expect(Buffer.byteLength(raw.metadata ?? '', 'utf8')).toBeLessThan(RAW_PREFIX_CHARS * 4 + 200);
      expect(raw.metadata).toContain(`${Buffer.byteLength(metadata, 'utf8')} bytes, sha256 `);
      expect(raw.signer?.length).toBeLessThan(2_000);
      expect(raw.address.length).toBeLessThan(2_000);
      expect(MAX_METADATA_BYTES).toBeLessThan(Buffer.byteLength(metadata, 'utf8'));
    });
  });
});
