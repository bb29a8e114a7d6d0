// Email access (EncryptedEmail, EmailAccess): the chain of custody, and a rejected update writes none of
// its grants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createUser, expectApplied, expectRejected, tx } from './support.js';

describe('email access', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('email access: chain of custody, and a rejected update writes none of its grants', async () => {
    const a = await createUser(c);
    const grant = (r: number, g: number) => ({
      receiving_user_id: r,
      grantor_user_id: g,
      encrypted_key: `k${r}`,
    });
    await expectApplied(
      c,
      tx({
        userId: a.id,
        entityType: 'EncryptedEmail',
        entityId: 0,
        action: 'AddEmail',
        signer: a.wallet,
        metadata: { email_owner_user_id: a.id, encrypted_email: 'enc', access_grants: [grant(11, a.id)] },
      }),
    );
    // 11 may grant on; 99 may not — and 12's grant, listed first, must not survive the rejection.
    await expectRejected(
      c,
      tx({
        userId: a.id,
        entityType: 'EmailAccess',
        entityId: 0,
        action: 'Update',
        signer: a.wallet,
        metadata: { email_owner_user_id: a.id, access_grants: [grant(12, 11), grant(13, 99)] },
      }),
      'grantor_without_access',
    );
    await expectApplied(
      c,
      tx({
        userId: a.id,
        entityType: 'EmailAccess',
        entityId: 0,
        action: 'Update',
        signer: a.wallet,
        metadata: { email_owner_user_id: a.id, access_grants: [grant(12, 11)] },
      }),
    );
    const rows = await t.db
      .selectFrom('email_access')
      .select(['receiving_user_id'])
      .where('email_owner_user_id', '=', a.id)
      .orderBy('receiving_user_id')
      .execute();
    expect(rows.map((r) => r.receiving_user_id)).toEqual([11, 12]);
  });
});
