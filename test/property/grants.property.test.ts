// After any sequence of grant create / approve / reject / delete, an app or a manager can act for a user
// exactly when the model says an approved, unrevoked grant exists (signer authorization, docs/spec.md#signer-authorization).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, tx, wallet } from '../handlers/support.js';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

type Op = { kind: 'create' | 'approve' | 'reject' | 'delete'; to: 'app' | 'manager' };
const opArb = fc.record({
  kind: fc.constantFrom('create', 'approve', 'reject', 'delete'),
  to: fc.constantFrom('app', 'manager'),
}) as fc.Arbitrary<Op>;

interface GrantModel {
  exists: boolean;
  revoked: boolean;
  approved: boolean | null;
}

describe('grant property', () => {
  let t: TestDb;
  let c: TestChain;
  let appN = 0;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('an app or manager acts for a user exactly when an approved, unrevoked grant exists', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const owner = await createUser(c);
        const user = await createUser(c);
        const manager = await createUser(c);
        const app = wallet(8_000_000 + ++appN);
        await c.apply(
          tx({
            userId: owner.id,
            entityType: 'DeveloperApp',
            entityId: 0,
            action: 'Create',
            signer: owner.wallet,
            metadata: { address: app, name: 'prop app' },
          }),
        );
        const model: Record<'app' | 'manager', GrantModel> = {
          app: { exists: false, revoked: false, approved: null },
          manager: { exists: false, revoked: false, approved: null },
        };
        for (const op of ops) {
          const grantee = op.to === 'app' ? app : manager.wallet;
          const g = model[op.to];
          const active = g.exists && !g.revoked;
          if (op.kind === 'create') {
            await c.apply(
              tx({
                userId: user.id,
                entityType: 'Grant',
                entityId: 0,
                action: 'Create',
                signer: user.wallet,
                metadata: { grantee_address: grantee },
              }),
            );
            if (!active)
              Object.assign(g, { exists: true, revoked: false, approved: op.to === 'app' ? true : null });
          } else if (op.kind === 'delete') {
            await c.apply(
              tx({
                userId: user.id,
                entityType: 'Grant',
                entityId: 0,
                action: 'Delete',
                signer: user.wallet,
                metadata: { grantee_address: grantee },
              }),
            );
            if (active) g.revoked = true;
          } else if (op.to === 'manager') {
            // Approve/Reject are signed by the grantee-side user.
            const action = op.kind === 'approve' ? 'Approve' : 'Reject';
            await c.apply(
              tx({
                userId: manager.id,
                entityType: 'Grant',
                entityId: 0,
                action,
                signer: manager.wallet,
                metadata: { grantee_address: manager.wallet, grantor_user_id: user.id },
              }),
            );
            if (active && g.approved !== true)
              Object.assign(
                g,
                op.kind === 'approve' ? { approved: true } : { approved: false, revoked: true },
              );
          }
        }
        for (const who of ['app', 'manager'] as const) {
          const g = model[who];
          const may = g.exists && !g.revoked && g.approved === true;
          const signer = who === 'app' ? app : manager.wallet;
          const [row] = await c.apply(
            tx({
              userId: user.id,
              entityType: 'User',
              entityId: user.id,
              action: 'Update',
              signer,
              metadata: { bio: `by ${who}` },
            }),
          );
          expect(row!.outcome, `${who} after ${JSON.stringify(ops)}`).toBe(may ? 'applied' : 'rejected');
        }
      }),
      { numRuns: 15, seed: 5 },
    );
  });
});
