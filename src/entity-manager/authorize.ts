// Signer authorization (spec §2.4): the user's own wallet, or an app/manager acting through a grant.
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
