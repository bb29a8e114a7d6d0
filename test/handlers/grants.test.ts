// Developer apps and grants (DeveloperApp, Grant): they feed signer authorization; an app's grant acts at
// once, a manager's only after approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ethKey } from '../../sim/keys.js';
import { Rng } from '../../sim/rng.js';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createUser, expectApplied, expectRejected, tx } from './support.js';

describe('developer apps and grants', () => {
  let t: TestDb;
  let c: TestChain;
  const rng = Rng.stream(5, 'test-keys');
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('developer apps and grants feed signer authorization: app grants act at once, manager grants after approval', async () => {
    const owner = await createUser(c);
    const app = ethKey(rng).address;
    const devApp = (action: string, metadata: Record<string, unknown>, who = owner) =>
      tx({ userId: who.id, entityType: 'DeveloperApp', entityId: 0, action, signer: who.wallet, metadata });
    await expectRejected(c, devApp('Create', { address: app, name: '' }), 'app_name_required');
    await expectRejected(c, devApp('Create', { address: app, name: 'n'.repeat(51) }), 'app_name_too_long');
    await expectRejected(c, devApp('Create', { address: owner.wallet, name: 'mine' }), 'app_address_is_user');
    await expectApplied(
      c,
      devApp('Create', { address: app, name: 'My App', redirect_uris: ['https://a.example/cb'] }),
    );
    await expectRejected(c, devApp('Create', { address: app, name: 'again' }), 'app_exists');
    await expectApplied(c, devApp('Update', { address: app, name: 'Renamed' }));
    const rows = await t.db
      .selectFrom('developer_apps')
      .select(['name', 'is_current'])
      .where('address', '=', app)
      .orderBy('updated_at')
      .execute();
    expect(rows.filter((r) => r.is_current)).toEqual([{ name: 'Renamed', is_current: true }]);

    const user = await createUser(c);
    const actAsApp = (n: number) =>
      tx({
        userId: user.id,
        entityType: 'User',
        entityId: user.id,
        action: 'Update',
        signer: app,
        metadata: { bio: `by app ${n}` },
      });
    await expectRejected(c, actAsApp(1), 'signer_not_authorized');
    await expectApplied(
      c,
      tx({
        userId: user.id,
        entityType: 'Grant',
        entityId: 0,
        action: 'Create',
        signer: user.wallet,
        metadata: { grantee_address: app },
      }),
    );
    await expectApplied(c, actAsApp(2));
    await expectApplied(
      c,
      tx({
        userId: user.id,
        entityType: 'Grant',
        entityId: 0,
        action: 'Delete',
        signer: user.wallet,
        metadata: { grantee_address: app },
      }),
    );
    await expectRejected(c, actAsApp(3), 'grant_revoked');

    // A manager (user-to-user) grant needs the manager's approval.
    const manager = await createUser(c);
    const asManager = tx({
      userId: user.id,
      entityType: 'User',
      entityId: user.id,
      action: 'Update',
      signer: manager.wallet,
      metadata: { bio: 'managed' },
    });
    await expectApplied(
      c,
      tx({
        userId: user.id,
        entityType: 'Grant',
        entityId: 0,
        action: 'Create',
        signer: user.wallet,
        metadata: { grantee_address: manager.wallet },
      }),
    );
    await expectRejected(c, asManager, 'grant_not_approved');
    await expectApplied(
      c,
      tx({
        userId: manager.id,
        entityType: 'Grant',
        entityId: 0,
        action: 'Approve',
        signer: manager.wallet,
        metadata: { grantee_address: manager.wallet, grantor_user_id: user.id },
      }),
    );
    await expectRejected(
      c,
      tx({
        userId: manager.id,
        entityType: 'Grant',
        entityId: 0,
        action: 'Approve',
        signer: manager.wallet,
        metadata: { grantee_address: manager.wallet, grantor_user_id: user.id },
      }),
      'grant_already_approved',
    );
    await expectApplied(
      c,
      tx({
        userId: user.id,
        entityType: 'User',
        entityId: user.id,
        action: 'Update',
        signer: manager.wallet,
        metadata: { bio: 'managed' },
      }),
    );
  });
});
