// EncryptedEmail/AddEmail and EmailAccess/Update (docs/spec.md#handlers-tip-emails-event-playcount). No
// signer check in the version read. Chain of custody: only a grantor that already has access can grant it on.
// A rejection writes nothing (the Go indexer kept grants written before the failing one; we do not —
// docs/parity.md).
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { EmailAccessTable } from '../../db/tables/apps-comments-events.js';
import { isObject, type Metadata, readId } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';

const MAX_GRANTS = 100;

interface Grant {
  receiving: number;
  grantor: number;
  key: string;
  initial: boolean;
}

function owner(m: Metadata): number {
  m.require();
  const o = m.id('email_owner_user_id');
  if (o === undefined) reject('email_owner_required', 'email_owner_user_id must be a number');
  return o;
}

function grants(m: Metadata): Grant[] {
  const v = m.json('access_grants');
  if (!Array.isArray(v)) reject('access_grants_invalid', 'access_grants must be a list');
  if (v.length > MAX_GRANTS) reject('access_grants_invalid', `more than ${MAX_GRANTS} access grants`);
  return v.map((g, i) => {
    if (
      !isObject(g) ||
      typeof g.receiving_user_id !== 'number' ||
      typeof g.grantor_user_id !== 'number' ||
      typeof g.encrypted_key !== 'string' ||
      g.encrypted_key === ''
    ) {
      reject(
        'access_grants_invalid',
        `access_grants[${i}] needs numeric receiving_user_id, grantor_user_id and a non-empty encrypted_key`,
      );
    }
    return {
      receiving: readId(g.receiving_user_id, `access_grants[${i}].receiving_user_id`) ?? 0,
      grantor: readId(g.grantor_user_id, `access_grants[${i}].grantor_user_id`) ?? 0,
      key: g.encrypted_key,
      initial: g.is_initial === true,
    };
  });
}

async function insertGrants(db: Kysely<Database>, p: EmParams, emailOwner: number, gs: readonly Grant[]) {
  if (gs.length === 0) return;
  await db
    .insertInto('email_access')
    .values(
      gs.map(
        (g): Insertable<EmailAccessTable> => ({
          email_owner_user_id: emailOwner,
          receiving_user_id: g.receiving,
          grantor_user_id: g.grantor,
          encrypted_key: g.key,
          is_initial: g.initial,
          created_at: p.blockTime,
          updated_at: p.blockTime,
        }),
      ),
    )
    .onConflict((oc) =>
      oc.columns(['email_owner_user_id', 'receiving_user_id', 'grantor_user_id']).doNothing(),
    )
    .execute();
}

const addEmail: Handler = async ({ db }, p) => {
  const o = owner(p.metadata);
  const email = p.metadata.str('encrypted_email');
  if (email === '') reject('encrypted_email_required', 'encrypted_email is required');
  const gs = grants(p.metadata);
  // An owner's email is written once; a second AddEmail is a silent no-op, as in the Go indexer.
  if (
    await db
      .selectFrom('encrypted_emails')
      .select('id')
      .where('email_owner_user_id', '=', o)
      .executeTakeFirst()
  )
    return;
  await db
    .insertInto('encrypted_emails')
    .values({
      email_owner_user_id: o,
      encrypted_email: email,
      created_at: p.blockTime,
      updated_at: p.blockTime,
    })
    .execute();
  await insertGrants(db, p, o, gs);
};

const updateAccess: Handler = async ({ db }, p) => {
  const o = owner(p.metadata);
  const gs = grants(p.metadata);
  const holders = new Set(
    (
      await db
        .selectFrom('email_access')
        .select('receiving_user_id')
        .where('email_owner_user_id', '=', o)
        .execute()
    ).map((r) => r.receiving_user_id),
  );
  holders.add(o);
  for (const g of gs) {
    if (!holders.has(g.grantor))
      reject('grantor_without_access', `grantor ${g.grantor} has no access to user ${o}'s email`);
  }
  await insertGrants(db, p, o, gs);
};

export const emailHandlers: readonly HandlerRegistration[] = [
  // Exception to the step order: no authorize step (the reference has none); custody is the access check.
  {
    entityType: 'EncryptedEmail',
    action: 'AddEmail',
    gate: 'EncryptedEmail',
    writes: ['encrypted_emails', 'email_access'],
    handle: addEmail,
  },
  {
    entityType: 'EmailAccess',
    action: 'Update',
    gate: 'EmailAccess',
    writes: ['email_access'],
    handle: updateAccess,
  },
];
