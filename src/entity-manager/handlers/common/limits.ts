// Character limits count Unicode code points (#340/#350).
import { runeLength } from '../../metadata.js';
import type { TxReasonCode } from '../../reasons.js';
import { reject } from '../../validation-error.js';

export const LIMITS = {
  bio: 256,
  name: 32,
  handle: 30,
  description: 2500,
  commentBody: 400,
  appName: 50,
  appDescription: 160,
} as const;

export const ID_OFFSETS = {
  playlist: 400_000,
  track: 2_000_000,
  user: 3_000_000,
  comment: 4_000_000,
} as const;

const TOO_LONG: Readonly<Record<keyof typeof LIMITS, TxReasonCode>> = {
  bio: 'bio_too_long',
  name: 'name_too_long',
  handle: 'handle_too_long',
  description: 'description_too_long',
  commentBody: 'comment_body_too_long',
  appName: 'app_name_too_long',
  appDescription: 'app_description_too_long',
};

export function checkLength(field: keyof typeof LIMITS, value: string): void {
  if (runeLength(value) > LIMITS[field])
    reject(TOO_LONG[field], `${field} is longer than ${LIMITS[field]} characters`);
}
