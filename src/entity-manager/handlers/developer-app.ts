// DeveloperApp handlers (spec §3.2 rows 24–26): versioned rows (demote + insert), PK (address, txhash).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { validateSigner } from '../authorize.js';
import { runeLength } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { LIMITS } from './common/limits.js';
import { chainStamp } from './common/stamp.js';

/** The legacy FQDN check: optional http(s)://, a dotted host or localhost, optional port and path. */
const IMAGE_URL_RE = /^(https?:\/\/)?(localhost|([a-z0-9-]+\.)+[a-z]{2,})(:\d{1,5})?(\/\S*)?$/i;
const MAX_REDIRECT_URIS = 20;

function checkLimits(p: EmParams, nameRequired: boolean): void {
  const m = p.metadata;
  m.require();
  if (nameRequired && m.str('name') === '') reject('app_name_required', 'name is required');
  if (runeLength(m.str('name')) > LIMITS.appName)
    reject('app_name_too_long', `name is longer than ${LIMITS.appName} characters`);
  if (runeLength(m.str('description')) > LIMITS.appDescription)
    reject('app_description_too_long', `description is longer than ${LIMITS.appDescription} characters`);
}

function address(p: EmParams): string {
  const a = p.metadata.str('address').toLowerCase();
  if (a === '') reject('app_address_required', 'address is required');
  return a;
}

async function currentApp(db: Kysely<Database>, addr: string) {
  return db
    .selectFrom('developer_apps')
    .selectAll()
    .where('address', '=', addr)
    .where('is_current', '=', true)
    .executeTakeFirst();
}

async function replaceRedirectUris(db: Kysely<Database>, p: EmParams, addr: string): Promise<void> {
  if (!p.metadata.has('redirect_uris')) return;
  const v = p.metadata.json('redirect_uris');
  const uris = Array.isArray(v)
    ? [...new Set(v.filter((u): u is string => typeof u === 'string' && u !== '' && u.length <= 2048))].slice(
        0,
        MAX_REDIRECT_URIS,
      )
    : [];
  await db.deleteFrom('oauth_redirect_uris').where('client_id', '=', addr).execute();
  if (uris.length > 0) {
    await db
      .insertInto('oauth_redirect_uris')
      .values(uris.map((redirect_uri) => ({ client_id: addr, redirect_uri, created_at: p.blockTime })))
      .execute();
  }
}

const createApp: Handler = async ({ db }, p) => {
  checkLimits(p, true);
  await validateSigner(db, p.userId, p.signer);
  const addr = address(p);
  const existing = await currentApp(db, addr);
  if (existing && !existing.is_delete) reject('app_exists', `developer app ${addr} already exists`);
  const wallet = await db.selectFrom('users').select('user_id').where('wallet', '=', addr).executeTakeFirst();
  if (wallet) reject('app_address_is_user', `address ${addr} is a user wallet`);
  const m = p.metadata;
  if (existing)
    await db
      .updateTable('developer_apps')
      .set({ is_current: false })
      .where('address', '=', addr)
      .where('is_current', '=', true)
      .execute();
  await db
    .insertInto('developer_apps')
    .values({
      ...chainStamp(p),
      address: addr,
      user_id: p.userId,
      name: m.str('name'),
      description: m.str('description') || null,
      image_url: IMAGE_URL_RE.test(m.str('image_url')) ? m.str('image_url') : null,
      is_personal_access: m.boolOr('is_personal_access', false),
      is_current: true,
      is_delete: false,
      created_at: p.blockTime,
      updated_at: p.blockTime,
    })
    .execute();
  await replaceRedirectUris(db, p, addr);
};

const changeApp =
  (remove: boolean): Handler =>
  async ({ db }, p) => {
    if (!remove) checkLimits(p, false);
    await validateSigner(db, p.userId, p.signer);
    const addr = address(p);
    const app = await currentApp(db, addr);
    if (!app || app.is_delete) reject('app_not_found', `developer app ${addr} does not exist`);
    if (app.user_id !== p.userId) reject('not_owner', `user ${p.userId} does not own developer app ${addr}`);
    // created_at and is_personal_access carry over from the earliest row for the address.
    const first = await db
      .selectFrom('developer_apps')
      .select(['created_at', 'is_personal_access'])
      .where('address', '=', addr)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirstOrThrow();
    const m = p.metadata;
    await db
      .updateTable('developer_apps')
      .set({ is_current: false })
      .where('address', '=', addr)
      .where('is_current', '=', true)
      .execute();
    await db
      .insertInto('developer_apps')
      .values({
        ...chainStamp(p),
        address: addr,
        user_id: p.userId,
        name: remove ? '' : m.str('name') || app.name,
        description: remove ? null : m.str('description') || app.description,
        image_url: remove
          ? app.image_url
          : IMAGE_URL_RE.test(m.str('image_url'))
            ? m.str('image_url')
            : app.image_url,
        is_personal_access: first.is_personal_access,
        is_current: true,
        is_delete: remove,
        created_at: first.created_at,
        updated_at: p.blockTime,
      })
      .execute();
    if (!remove) await replaceRedirectUris(db, p, addr);
  };

export const developerAppHandlers: readonly HandlerRegistration[] = [
  { entityType: 'DeveloperApp', action: 'Create', gate: 'DeveloperApp', handle: createApp },
  { entityType: 'DeveloperApp', action: 'Update', gate: 'DeveloperApp', handle: changeApp(false) },
  { entityType: 'DeveloperApp', action: 'Delete', gate: 'DeveloperApp', handle: changeApp(true) },
];
