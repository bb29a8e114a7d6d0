// Grant handlers (spec §3.2 rows 27–30): versioned rows (demote + insert) keyed (grantee, user, txhash).
// Grants feed signer authorization: an approved, unrevoked grant lets an app or manager act for a user.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
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

async function writeVersion(
  db: Kysely<Database>,
  p: EmParams,
  g: { grantee_address: string; user_id: number; created_at: Date | string },
  state: { is_revoked: boolean; is_approved: boolean | null },
) {
  await db
    .updateTable('grants')
    .set({ is_current: false })
    .where('grantee_address', '=', g.grantee_address)
    .where('user_id', '=', g.user_id)
    .where('is_current', '=', true)
    .execute();
  await db
    .insertInto('grants')
    .values({
      ...chainStamp(p),
      grantee_address: g.grantee_address,
      user_id: g.user_id,
      ...state,
      is_current: true,
      created_at: g.created_at,
      updated_at: p.blockTime,
    })
    .execute();
}

const createGrant: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const g = grantee(p);
  const app = await db
    .selectFrom('developer_apps')
    .select('address')
    .where('address', '=', g)
    .where('is_current', '=', true)
    .where('is_delete', '=', false)
    .executeTakeFirst();
  const user = app
    ? undefined
    : await db.selectFrom('users').select('user_id').where('wallet', '=', g).executeTakeFirst();
  if (!app && !user) reject('grantee_invalid', `grantee ${g} is neither a developer app nor a user wallet`);
  const existing = await currentGrant(db, g, p.userId);
  if (existing && !existing.is_revoked) reject('grant_exists', `user ${p.userId} already granted ${g}`);
  // Apps need no approval; a manager (user-to-user) grant waits for the grantee's approval.
  await writeVersion(
    db,
    p,
    { grantee_address: g, user_id: p.userId, created_at: p.blockTime },
    { is_revoked: false, is_approved: app ? true : null },
  );
};

const revokeGrant: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const g = grantee(p);
  const existing = await currentGrant(db, g, p.userId);
  if (!existing || existing.is_revoked)
    reject('grant_not_found', `no active grant from user ${p.userId} to ${g}`);
  await writeVersion(db, p, existing, { is_revoked: true, is_approved: existing.is_approved });
};

/** Approve/Reject are signed by the grantee-side user; the grantor comes from metadata. */
const answerGrant =
  (approve: boolean): Handler =>
  async ({ db }, p) => {
    await validateSigner(db, p.userId, p.signer);
    const g = grantee(p);
    const grantor = p.metadata.id('grantor_user_id');
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
  { entityType: 'Grant', action: 'Create', gate: 'Grant', handle: createGrant },
  { entityType: 'Grant', action: 'Delete', gate: 'Grant', handle: revokeGrant },
  { entityType: 'Grant', action: 'Approve', gate: 'Grant', handle: answerGrant(true) },
  { entityType: 'Grant', action: 'Reject', gate: 'Grant', handle: answerGrant(false) },
];
