// Events, collaborator invites and the play-count reconcile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createTrack, createUser, expectApplied, expectRejected, tx } from './support.js';

describe('events, collaborator invites and play counts', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('events, collaborator invites and play-count reconcile', async () => {
    const u = await createUser(c);
    const collab = await createUser(c);
    const track = await createTrack(c, u, { collaborators: [{ user_id: collab.id }] });
    const end = new Date(Date.UTC(2030, 0, 1)).toISOString();
    const ev = (action: string, metadata?: Record<string, unknown>) =>
      tx({
        userId: u.id,
        entityType: 'Event',
        entityId: 77,
        action,
        signer: u.wallet,
        ...(metadata ? { metadata } : {}),
      });
    await expectRejected(c, ev('Create', { end_date: end }), 'event_type_required');
    await expectRejected(
      c,
      ev('Create', { event_type: 'remix_contest', end_date: 'soon', entity_type: 'track', entity_id: track }),
      'end_date_invalid',
    );
    await expectApplied(
      c,
      ev('Create', { event_type: 'remix_contest', end_date: end, entity_type: 'track', entity_id: track }),
    );
    await expectRejected(c, ev('Update', { end_date: '2029-01-01T00:00:00Z' }), 'end_date_past');
    await expectApplied(c, ev('Delete'));
    await expectRejected(
      c,
      tx({
        userId: u.id,
        entityType: 'TrackCollaborator',
        entityId: track,
        action: 'Approve',
        signer: u.wallet,
      }),
      'invite_not_pending',
    );
    await expectApplied(
      c,
      tx({
        userId: collab.id,
        entityType: 'TrackCollaborator',
        entityId: track,
        action: 'Approve',
        signer: collab.wallet,
      }),
    );
    await expectRejected(
      c,
      tx({
        userId: collab.id,
        entityType: 'TrackCollaborator',
        entityId: track,
        action: 'Reject',
        signer: collab.wallet,
      }),
      'invite_not_pending',
    );
    await expectRejected(
      c,
      tx({
        userId: u.id,
        entityType: 'PlayCount',
        entityId: track,
        action: 'Reconcile',
        signer: u.wallet,
        metadata: { x: 1 },
      }),
      'delta_required',
    );
    await expectApplied(
      c,
      tx({
        userId: u.id,
        entityType: 'PlayCount',
        entityId: track,
        action: 'Reconcile',
        signer: u.wallet,
        metadata: { delta: 41 },
      }),
    );
    expect(
      await t.db
        .selectFrom('aggregate_plays')
        .select('count')
        .where('play_item_id', '=', track)
        .executeTakeFirstOrThrow(),
    ).toEqual({ count: 41 });
  });
});
