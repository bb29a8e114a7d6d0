// Route slugs and track route ids (the legacy indexer's sanitize rules, newest Go build):
// punctuation stripped, whitespace runs → '-', dash runs → '-', lower-cased, letters of any script kept.
// A collision appends `-N` (N = max collision_id + 1 for the owner's title_slug); a slug that ends in a
// digit is also checked literally, since "take 2" and a collision suffix can meet. (NULs never get here:
// the envelope rejects them.)
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { pairKey } from '../../block-view/lookups.js';
import { lookup, type Patch } from '../../block-view/view.js';

/** Slugs are stored in a varchar key column: bounded like every other input. */
const MAX_SLUG = 200;
const SLUG_STRIP = /[!%#$&'()*+’,/:;=?@[\]^.{}"~]/g;
const ROUTE_ID_STRIP = /[!%`#$&'()*+,/:;=?@[\]]/g;

/** The slug of a title; an empty result falls back to the record id (the reference's rule). */
export function sanitizeSlug(title: string, recordId: number): string {
  const s = title.replace(SLUG_STRIP, '').trim().replace(/\s+/g, '-').replace(/-+/g, '-').toLowerCase();
  return s === '' ? String(recordId) : [...s].slice(0, MAX_SLUG).join('');
}

/** tracks.route_id: `<lower-cased handle>/<title>` with its own (untrimmed) strip set. */
export function trackRouteId(title: string, handle: string): string {
  const t = title.replace(ROUTE_ID_STRIP, '').replace(/\s+/g, '-').replace(/-+/g, '-').toLowerCase();
  return `${handle.toLowerCase()}/${[...t].slice(0, MAX_SLUG).join('')}`;
}

/** The handle a route is built from: the user's, or `user-<id>` for a guest without one. */
export async function routeHandle(db: Kysely<Database>, userId: number): Promise<string> {
  const row = await lookup(db, 'userHandle', String(userId));
  return row?.handle ? row.handle : `user-${userId}`;
}

export interface NextRoute {
  readonly slug: string;
  readonly titleSlug: string;
  readonly collisionId: number;
}

type RouteTable = 'track_routes' | 'playlist_routes';

const ROUTE_LOOKUPS = {
  track_routes: { max: 'trackRouteMax', slug: 'trackSlug' },
  playlist_routes: { max: 'playlistRouteMax', slug: 'playlistSlug' },
} as const;

export async function nextTrackRoute(
  db: Kysely<Database>,
  ownerId: number,
  trackId: number,
  title: string,
): Promise<NextRoute> {
  return nextRoute(db, 'track_routes', ownerId, trackId, title);
}

export async function nextPlaylistRoute(
  db: Kysely<Database>,
  ownerId: number,
  playlistId: number,
  title: string,
): Promise<NextRoute> {
  return nextRoute(db, 'playlist_routes', ownerId, playlistId, title);
}

async function nextRoute(
  db: Kysely<Database>,
  table: RouteTable,
  ownerId: number,
  recordId: number,
  title: string,
): Promise<NextRoute> {
  const names = ROUTE_LOOKUPS[table];
  const titleSlug = sanitizeSlug(title, recordId);
  const taken = async (slug: string) => (await lookup(db, names.slug, pairKey(ownerId, slug))) !== undefined;
  const prior = await lookup(db, names.max, pairKey(ownerId, titleSlug));
  if (!prior && !(/\p{Nd}$/u.test(titleSlug) && (await taken(titleSlug))))
    return { slug: titleSlug, titleSlug, collisionId: 0 };
  let collisionId = prior ? prior.max : 0;
  for (;;) {
    collisionId++;
    const slug = `${titleSlug}-${collisionId}`;
    if (!(await taken(slug))) return { slug, titleSlug, collisionId };
  }
}

/**
 * What inserting `route` (and any other `slugs` of the same owner and title slug) does to the block view:
 * the slugs are taken and the title slug's max collision id is the route's (it was chosen above the prior max).
 */
export function routePatches(
  table: RouteTable,
  ownerId: number,
  route: NextRoute,
  slugs: readonly string[] = [route.slug],
): Patch[] {
  const names = ROUTE_LOOKUPS[table];
  return [
    { name: names.max, key: pairKey(ownerId, route.titleSlug), value: { max: route.collisionId } },
    ...slugs.map((slug): Patch => ({ name: names.slug, key: pairKey(ownerId, slug), value: true })),
  ];
}
