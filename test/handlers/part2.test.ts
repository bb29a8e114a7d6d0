import { ed25519 } from '@noble/curves/ed25519';
import { base58, base64 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ethKey, personalSign } from '../../sim/keys.js';
import { Rng } from '../../sim/rng.js';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createTrack, createUser, expectApplied, expectRejected, tx } from './support.js';

describe('part 2 handlers', () => {
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
    expect(notes.map((n) => n.type)).toEqual(expect.arrayContaining(['comment', 'comment_mention']));
    expect(await t.db.selectFrom('comment_threads').selectAll().execute()).toEqual([
      { parent_comment_id: 4_100_000, comment_id: 4_100_001 },
    ]);
  });

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

  it('wallet proofs: genuine eth and sol signatures link, forged ones are rejected', async () => {
    const u = await createUser(c);
    const key = ethKey(rng);
    const msg = `link ${key.address}`;
    const link = (metadata: Record<string, unknown>) =>
      tx({
        userId: u.id,
        entityType: 'AssociatedWallet',
        entityId: 0,
        action: 'Create',
        signer: u.wallet,
        metadata,
      });
    const other = ethKey(rng);
    await expectRejected(
      c,
      link({
        wallet: key.address,
        chain: 'eth',
        wallet_signature: { message: msg, signature: personalSign(other, msg) },
      }),
      'wallet_signature_invalid',
    );
    await expectRejected(c, link({ wallet: key.address, chain: 'eth' }), 'wallet_signature_required');
    await expectRejected(
      c,
      link({ wallet: key.address, chain: 'btc', wallet_signature: { message: msg, signature: '0x' } }),
      'chain_invalid',
    );
    await expectApplied(
      c,
      link({
        wallet: key.address,
        chain: 'eth',
        wallet_signature: { message: msg, signature: personalSign(key, msg) },
      }),
    );
    const priv = ed25519.utils.randomPrivateKey();
    const solWallet = base58.encode(ed25519.getPublicKey(priv));
    const solMsg = `link ${solWallet}`;
    const solSig = base64.encode(ed25519.sign(new TextEncoder().encode(solMsg), priv));
    await expectRejected(
      c,
      link({
        wallet: solWallet,
        chain: 'sol',
        wallet_signature: { message: `${solMsg}!`, signature: solSig },
      }),
      'wallet_signature_invalid',
    );
    await expectApplied(
      c,
      link({ wallet: solWallet, chain: 'sol', wallet_signature: { message: solMsg, signature: solSig } }),
    );
    const linked = await t.db
      .selectFrom('associated_wallets')
      .select(['wallet', 'chain'])
      .where('user_id', '=', u.id)
      .where('is_current', '=', true)
      .orderBy('chain')
      .execute();
    expect(linked).toEqual([
      { wallet: key.address, chain: 'eth' },
      { wallet: solWallet, chain: 'sol' },
    ]);
    await expectApplied(
      c,
      tx({
        userId: u.id,
        entityType: 'AssociatedWallet',
        entityId: 0,
        action: 'Delete',
        signer: u.wallet,
        metadata: { wallet: key.address },
      }),
    );
    await expectRejected(
      c,
      tx({
        userId: u.id,
        entityType: 'AssociatedWallet',
        entityId: 0,
        action: 'Delete',
        signer: u.wallet,
        metadata: { wallet: key.address },
      }),
      'wallet_not_linked',
    );
  });

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
