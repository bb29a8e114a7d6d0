// Grant handlers (docs/spec.md#handlers-grant): versioned rows (demote + insert) keyed (grantee, user,
// txhash). Grants feed signer authorization: an approved, unrevoked grant lets an app or manager act for a
// user. Step order: parse → authorize → validate → write (exceptions at the registrations).
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { GrantsTable } from '../../db/tables/users-tracks.js';
import { validateSigner } from '../authorize.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { chainStamp } from './common/stamp.js';

function grantee(p: EmParams): string {
  const g = p.metadata.str('grantee_address').toLowerCase();
  if (g === '') reject('grantee_required', 'grantee_address is required');
  return g;
}

async function currentGrant(db: Kysely<Database>, granteeAddress: string, userId: number) {
  return db
    .selectFrom('grants')
    .selectAll()
    .where('grantee_address', '=', granteeAddress)
    .where('user_id', '=', userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

type GrantState = Pick<Insertable<GrantsTable>, 'is_revoked' | 'is_approved'>;

async function writeVersion(
  db: Kysely<Database>,
  p: EmParams,
  g: { grantee_address: string; user_id: number; created_at: Date | string },
  state: GrantState,
) {
  await db
    .updateTable('grants')
    .set({ is_current: false })
    .where('grantee_address', '=', g.grantee_address)
    .where('user_id', '=', g.user_id)
    .where('is_current', '=', true)
    .execute();
  const row: Insertable<GrantsTable> = {
    ...chainStamp(p),
    grantee_address: g.grantee_address,
    user_id: g.user_id,
    ...state,
    is_current: true,
    created_at: g.created_at,
    updated_at: p.blockTime,
  };
  await db.insertInto('grants').values(row).execute();
}

const createGrant: Handler = async ({ db }, p) => {
  const g = grantee(p);
  await validateSigner(db, p.userId, p.signer);
  const app = await db
    .selectFrom('developer_apps')
    .select('address')
    .where('address', '=', g)
    .where('is_current', '=', true)
    .where('is_delete', '=', false)
    .executeTakeFirst();
  // A manager must be an active user (grant.py rejects a deactivated grantee; it could never act anyway).
  const user = app
    ? undefined
    : await db
        .selectFrom('users')
        .select('user_id')
        .where('wallet', '=', g)
        .where('is_current', '=', true)
        .where('is_deactivated', '=', false)
        .executeTakeFirst();
  if (!p.migration && !app && !user)
    reject('grantee_invalid', `grantee ${g} is neither a developer app nor an active user wallet`);
  const existing = await currentGrant(db, g, p.userId);
  if (existing && !existing.is_revoked) reject('grant_exists', `user ${p.userId} already granted ${g}`);
  // Apps need no approval; a manager (user-to-user) grant waits for the grantee's approval. A live client
  // cannot set either flag; a genesis replay carries the source row's (a present is_approved wins, even false).
  const derived = app ? true : null;
  const state: GrantState = p.migration
    ? {
        is_revoked: p.metadata.boolOr('is_revoked', false),
        is_approved: p.metadata.bool('is_approved') ?? derived,
      }
    : { is_revoked: false, is_approved: derived };
  await writeVersion(db, p, { grantee_address: g, user_id: p.userId, created_at: p.blockTime }, state);
};

const revokeGrant: Handler = async ({ db }, p) => {
  const g = grantee(p);
  // The grantee may revoke its own grant (a manager stepping down, even before approving): the legacy
  // indexer allowed it and grant_test.go requires it. Anyone else goes through signer authorization.
  if (p.signer !== g) await validateSigner(db, p.userId, p.signer);
  const existing = await currentGrant(db, g, p.userId);
  if (!existing || existing.is_revoked)
    reject('grant_not_found', `no active grant from user ${p.userId} to ${g}`);
  await writeVersion(db, p, existing, { is_revoked: true, is_approved: existing.is_approved });
};

/** Approve/Reject are signed by the grantee-side user; the grantor comes from metadata. */
const answerGrant =
  (approve: boolean): Handler =>
  async ({ db }, p) => {
    const g = grantee(p);
    const grantor = p.metadata.id('grantor_user_id');
    await validateSigner(db, p.userId, p.signer);
    if (grantor === undefined) reject('grantor_required', 'grantor_user_id is required');
    const existing = await currentGrant(db, g, grantor);
    if (!existing) reject('grant_not_found', `no grant from user ${grantor} to ${g}`);
    if (existing.is_revoked) reject('grant_revoked', `the grant from user ${grantor} to ${g} is revoked`);
    if (existing.is_approved)
      reject('grant_already_approved', `the grant from user ${grantor} to ${g} is already approved`);
    await writeVersion(
      db,
      p,
      existing,
      approve ? { is_revoked: false, is_approved: true } : { is_revoked: true, is_approved: false },
    );
  };

export const grantHandlers: readonly HandlerRegistration[] = [
  // Genesis migration: the grantee need not exist yet and is_revoked/is_approved come from metadata.
  { entityType: 'Grant', action: 'Create', gate: 'Grant', writes: ['grants'], handle: createGrant },
  // Authorize exception: a signer equal to the grantee_address skips signer authorization.
  { entityType: 'Grant', action: 'Delete', gate: 'Grant', writes: ['grants'], handle: revokeGrant },
  { entityType: 'Grant', action: 'Approve', gate: 'Grant', writes: ['grants'], handle: answerGrant(true) },
  { entityType: 'Grant', action: 'Reject', gate: 'Grant', writes: ['grants'], handle: answerGrant(false) },
];
