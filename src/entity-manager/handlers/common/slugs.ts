// Route slugs: the sanitised title, with `-N` appended on a collision (N = max collision_id + 1 for the
// owner's title_slug, also checking that the resulting slug is free).
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';

export function sanitizeSlug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, '')
    .trim()
    .replace(/[\s-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'untitled' : s.slice(0, 200);
}

export async function nextTrackRoute(db: Kysely<Database>, ownerId: number, title: string) {
  return nextRoute(db, 'track_routes', ownerId, title);
}

export async function nextPlaylistRoute(db: Kysely<Database>, ownerId: number, title: string) {
  return nextRoute(db, 'playlist_routes', ownerId, title);
}

async function nextRoute(
  db: Kysely<Database>,
  table: 'track_routes' | 'playlist_routes',
  ownerId: number,
  title: string,
) {
  const titleSlug = sanitizeSlug(title);
  const prior = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max('collision_id').as('max'))
    .where('owner_id', '=', ownerId)
    .where('title_slug', '=', titleSlug)
    .executeTakeFirst();
  if (prior?.max === null || prior?.max === undefined) {
    return { slug: titleSlug, titleSlug, collisionId: 0 };
  }
  let collisionId = Number(prior.max) + 1;
  // A user could have named something literally "title-3": skip slugs that already exist.
  for (;;) {
    const slug = `${titleSlug}-${collisionId}`;
    const taken = await db
      .selectFrom(table)
      .select('slug')
      .where('owner_id', '=', ownerId)
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!taken) return { slug, titleSlug, collisionId };
    collisionId++;
  }
}
