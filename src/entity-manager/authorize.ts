// Signer authorization (docs/spec.md#signer-authorization): the user's own wallet, or an app/manager acting
// through a grant.
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
import { pairKey } from './block-view/lookups.js';
import { lookup } from './block-view/view.js';
import { reject } from './validation-error.js';

// Each read goes through the block view when the handle has one (one statement per table per block).
export async function validateSigner(db: Kysely<Database>, userId: number, signer: string): Promise<void> {
  const signerLc = signer.toLowerCase();
  const user = await lookup(db, 'userWallet', String(userId));
  if (!user) reject('user_not_found', `user ${userId} does not exist`);
  if ((user.wallet ?? '').toLowerCase() === signerLc) return;

  const grant = await lookup(db, 'grant', pairKey(signerLc, userId));
  if (!grant) reject('signer_not_authorized', `signer ${signerLc} is not authorized for user ${userId}`);
  if (grant.is_revoked) reject('grant_revoked', `grant from user ${userId} to ${signerLc} is revoked`);

  const [app, manager] = await Promise.all([
    lookup(db, 'liveApp', signerLc),
    lookup(db, 'activeWallet', signerLc),
  ]);
  if (!app && !manager) {
    reject('grantee_invalid', `signer ${signerLc} is no longer a valid developer app or active user`);
  }
  if (app || grant.is_approved === true) return;
  reject('grant_not_approved', `grant from user ${userId} to ${signerLc} is not approved`);
}
