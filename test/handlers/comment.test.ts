// Comments: create with mention and thread, react, pin, delete by the track owner; notifications via @>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createTrack, createUser, expectApplied, expectRejected, tx } from './support.js';

describe('comments', () => {
  let t: TestDb;
  let c: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('comments: create with mention and thread, react, pin, delete by the track owner; notifications via @>', async () => {
    const artist = await createUser(c);
    const fan = await createUser(c);
    const track = await createTrack(c, artist);
    const com = (
      action: string,
      id: number,
      who: { id: number; wallet: string },
      metadata?: Record<string, unknown>,
    ) =>
      tx({
        userId: who.id,
        entityType: 'Comment',
        entityId: id,
        action,
        signer: who.wallet,
        ...(metadata ? { metadata } : {}),
      });
    await expectRejected(
      c,
      com('Create', 4_100_000, fan, { entity_id: track, body: '' }),
      'comment_body_required',
    );
    await expectRejected(
      c,
      com('Create', 4_100_000, fan, { entity_id: track, body: 'x'.repeat(401) }),
      'comment_body_too_long',
    );
    await expectRejected(
      c,
      com('Create', 4_100_000, fan, { entity_type: 'Album', entity_id: track, body: 'hi' }),
      'comment_entity_type_invalid',
    );
    await expectApplied(
      c,
      com('Create', 4_100_000, fan, { entity_id: track, body: 'great', mentions: [artist.id] }),
    );
    await expectRejected(
      c,
      com('Create', 4_100_000, fan, { entity_id: track, body: 'again' }),
      'comment_exists',
    );
    await expectApplied(
      c,
      com('Create', 4_100_001, artist, { entity_id: track, body: 'thanks', parent_comment_id: 4_100_000 }),
    );
    await expectApplied(c, com('React', 4_100_000, artist));
    await expectRejected(c, com('React', 4_100_000, artist), 'already_reacted');
    await expectRejected(c, com('Pin', 4_100_000, fan, { entity_id: track }), 'not_owner');
    await expectApplied(c, com('Pin', 4_100_000, artist, { entity_id: track }));
    await expectRejected(c, com('Pin', 4_100_000, artist, { entity_id: track }), 'already_pinned');
    await expectApplied(c, com('Delete', 4_100_000, artist));
    const notes = await t.db
      .selectFrom('notification')
      .select('type')
      .where((eb) => eb('user_ids', '@>', eb.val([artist.id])))
      .orderBy('type')
      .execute();
    // Production's rule (0010): a mentioned owner gets the mention, not a second `comment` notification.
    expect(notes.map((n) => n.type)).toEqual(expect.arrayContaining(['comment_mention']));
    expect(await t.db.selectFrom('comment_threads').selectAll().execute()).toEqual([
      { parent_comment_id: 4_100_000, comment_id: 4_100_001 },
    ]);
  });
});
