// Signer authorization (spec §2.4): the user's own wallet, or an app/manager acting through a grant.
//
// The handler contract: every handler runs its steps in one order,
//   1. parse     — read the metadata through Metadata's typed accessors (ids past int4 reject here as
//                  metadata_id_invalid, before anything reaches PostgreSQL), and the key that addresses the
//                  row when it lives in metadata (grantee_address, an app's address);
//   2. authorize — validateSigner below (or the handler's stated alternative);
//   3. validate  — existence, ownership, limits and uniqueness, against the savepoint's view of the rows;
//   4. write     — Insertable/Updateable objects of the tables in src/db/tables, so a misspelt column fails tsc.
// A handler that departs from this order (no authorize step, another authority, a genesis-migration
// relaxation) says so in a comment at its registration, and lists the tables it writes in `writes`.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { reject } from './validation-error.js';

export async function validateSigner(db: Kysely<Database>, userId: number, signer: string): Promise<void> {
  const signerLc = signer.toLowerCase();
  const user = await db
    .selectFrom('users')
    .select('wallet')
    .where('user_id', '=', userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!user) reject('user_not_found', `user ${userId} does not exist`);
  if ((user.wallet ?? '').toLowerCase() === signerLc) return;

  const grant = await db
    .selectFrom('grants')
    .select(['is_revoked', 'is_approved'])
    .where('grantee_address', '=', signerLc)
    .where('user_id', '=', userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!grant) reject('signer_not_authorized', `signer ${signerLc} is not authorized for user ${userId}`);
  if (grant.is_revoked) reject('grant_revoked', `grant from user ${userId} to ${signerLc} is revoked`);

  const [app, manager] = await Promise.all([
    db
      .selectFrom('developer_apps')
      .select('address')
      .where('address', '=', signerLc)
      .where('is_current', '=', true)
      .where('is_delete', '=', false)
      .executeTakeFirst(),
    db
      .selectFrom('users')
      .select('user_id')
      .where('wallet', '=', signerLc)
      .where('is_current', '=', true)
      .where('is_deactivated', '=', false)
      .executeTakeFirst(),
  ]);
  if (!app && !manager) {
    reject('grantee_invalid', `signer ${signerLc} is no longer a valid developer app or active user`);
  }
  if (app || grant.is_approved === true) return;
  reject('grant_not_approved', `grant from user ${userId} to ${signerLc} is not approved`);
}
