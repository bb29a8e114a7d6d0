// DeveloperApp handlers (docs/spec.md#handlers-developerapp): versioned rows (demote + insert), PK (address,
// txhash).
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { OauthRedirectUrisTable } from '../../db/tables/apps-comments-events.js';
import type { DeveloperAppsTable } from '../../db/tables/users-tracks.js';
import { validateSigner } from '../authorize.js';
import { runeLength } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { LIMITS } from './common/limits.js';
import { chainStamp } from './common/stamp.js';

/** The legacy FQDN check: optional http(s)://, a dotted host or localhost, optional port and path. */
const IMAGE_URL_RE = /^(https?:\/\/)?(localhost|([a-z0-9-]+\.)+[a-z]{2,})(:\d{1,5})?(\/\S*)?$/i;
const MAX_REDIRECT_URIS = 50;
const MAX_ADDRESS = 255;
/** developer_apps.description is varchar(255) (0002). */
const DESCRIPTION_COLUMN = 255;
const MAX_REDIRECT_URI_LENGTH = 2000;

function checkLimits(p: EmParams): void {
  const m = p.metadata;
  if (m.str('name') === '') reject('app_name_required', 'name is required');
  if (runeLength(m.str('name')) > LIMITS.appName)
    reject('app_name_too_long', `name is longer than ${LIMITS.appName} characters`);
  if (runeLength(m.str('description')) > LIMITS.appDescription)
    reject('app_description_too_long', `description is longer than ${LIMITS.appDescription} characters`);
}

function address(p: EmParams): string {
  const a = p.metadata.str('address').toLowerCase();
  if (a === '') reject('app_address_required', 'address is required');
  // The address is the OAuth client_id, a varchar(255) (0009).
  if (runeLength(a) > MAX_ADDRESS)
    reject('app_address_too_long', `address is longer than ${MAX_ADDRESS} characters`);
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

/**
 * The redirect URI list (oauth_redirect_uris.go, developer_app.py): replaced only when metadata holds a list of
 * strings each at most MAX_REDIRECT_URI_LENGTH long (the first MAX_REDIRECT_URIS are kept); an explicit null
 * clears it; anything else (absent, not a list, a non-string or overlong entry) leaves it untouched.
 */
function redirectUris(p: EmParams): readonly string[] | undefined {
  if (!p.metadata.has('redirect_uris')) return undefined;
  const v = p.metadata.json('redirect_uris');
  if (v === null) return [];
  if (!Array.isArray(v)) return undefined;
  if (!v.every((u): u is string => typeof u === 'string' && u.length <= MAX_REDIRECT_URI_LENGTH))
    return undefined;
  return [...new Set(v)].slice(0, MAX_REDIRECT_URIS);
}

async function replaceRedirectUris(db: Kysely<Database>, p: EmParams, addr: string): Promise<void> {
  const uris = redirectUris(p);
  if (uris === undefined) return;
  await db.deleteFrom('oauth_redirect_uris').where('client_id', '=', addr).execute();
  if (uris.length === 0) return;
  const rows = uris.map(
    (redirect_uri): Insertable<OauthRedirectUrisTable> => ({
      client_id: addr,
      redirect_uri,
      created_at: p.blockTime,
    }),
  );
  await db.insertInto('oauth_redirect_uris').values(rows).execute();
}

const createApp: Handler = async ({ db }, p) => {
  p.metadata.require();
  const addr = address(p);
  await validateSigner(db, p.userId, p.signer);
  // A genesis replay predates the limits, but not the column: description is varchar(255).
  if (!p.migration) checkLimits(p);
  else if (runeLength(p.metadata.str('description')) > DESCRIPTION_COLUMN)
    reject('field_too_long', `description is longer than the column's ${DESCRIPTION_COLUMN} characters`);
  const existing = await currentApp(db, addr);
  if (existing && !existing.is_delete) reject('app_exists', `developer app ${addr} already exists`);
  const wallet = await db.selectFrom('users').select('user_id').where('wallet', '=', addr).executeTakeFirst();
  if (wallet) reject('app_address_is_user', `address ${addr} is a user wallet`);
  const m = p.metadata;
  if (existing) await demoteApp(db, addr);
  const row: Insertable<DeveloperAppsTable> = {
    ...chainStamp(p),
    address: addr,
    user_id: p.userId,
    name: m.str('name'),
    description: m.str('description') || null,
    image_url: IMAGE_URL_RE.test(m.str('image_url')) ? m.str('image_url') : null,
    is_personal_access: m.boolOr('is_personal_access', false),
    is_current: true,
    // A live Create is never deleted; a genesis replay carries the source row's state.
    is_delete: p.migration && m.bool('is_delete') === true,
    created_at: p.blockTime,
    updated_at: p.blockTime,
  };
  await db.insertInto('developer_apps').values(row).execute();
  await replaceRedirectUris(db, p, addr);
};

/** The address's current row stops being current; the caller writes the new one. */
async function demoteApp(db: Kysely<Database>, addr: string): Promise<void> {
  await db
    .updateTable('developer_apps')
    .set({ is_current: false })
    .where('address', '=', addr)
    .where('is_current', '=', true)
    .execute();
}

const changeApp =
  (remove: boolean): Handler =>
  async ({ db }, p) => {
    if (!remove) p.metadata.require();
    const addr = address(p);
    await validateSigner(db, p.userId, p.signer);
    // An Update resends the name like a Create (developer_app_update.go).
    if (!remove) checkLimits(p);
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
    await demoteApp(db, addr);
    const row: Insertable<DeveloperAppsTable> = {
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
    };
    await db.insertInto('developer_apps').values(row).execute();
    if (!remove) await replaceRedirectUris(db, p, addr);
  };

const APP_TABLES = ['developer_apps', 'oauth_redirect_uris'] as const;

export const developerAppHandlers: readonly HandlerRegistration[] = [
  // Genesis migration: no content limits, and is_delete comes from metadata.
  {
    entityType: 'DeveloperApp',
    action: 'Create',
    gate: 'DeveloperApp',
    writes: APP_TABLES,
    handle: createApp,
  },
  {
    entityType: 'DeveloperApp',
    action: 'Update',
    gate: 'DeveloperApp',
    writes: APP_TABLES,
    handle: changeApp(false),
  },
  {
    entityType: 'DeveloperApp',
    action: 'Delete',
    gate: 'DeveloperApp',
    writes: ['developer_apps'],
    handle: changeApp(true),
  },
];
