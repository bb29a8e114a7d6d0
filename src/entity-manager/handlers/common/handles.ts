import { reject } from '../../validation-error.js';
import { LIMITS } from './limits.js';

/** Handles the product reserves for its own routes (docs/spec.md#reserved-handles). */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set([
  'admin',
  'audius',
  'api',
  'app',
  'blog',
  'contact',
  'dashboard',
  'dev',
  'developer',
  'docs',
  'download',
  'explore',
  'faq',
  'feed',
  'help',
  'home',
  'jobs',
  'legal',
  'library',
  'login',
  'logout',
  'manage',
  'media',
  'music',
  'news',
  'notifications',
  'oauth',
  'playlist',
  'playlists',
  'premium',
  'press',
  'privacy',
  'profile',
  'register',
  'search',
  'settings',
  'signup',
  'status',
  'support',
  'terms',
  'track',
  'tracks',
  'trending',
  'upload',
  'user',
  'users',
  'verify',
]);

const HANDLE_RE = /^[a-z0-9_.]+$/;

export function validateHandle(handle: string): void {
  const lc = handle.toLowerCase();
  if (!HANDLE_RE.test(lc))
    reject(
      'handle_invalid',
      `handle ${JSON.stringify(handle.slice(0, 40))} has characters outside [a-z0-9_.]`,
    );
  if ([...lc].length > LIMITS.handle)
    reject('handle_too_long', `handle is longer than ${LIMITS.handle} characters`);
  if (RESERVED_HANDLES.has(lc)) reject('handle_reserved', `handle ${lc} is reserved`);
}
