// Character limits count Unicode code points (#340/#350).
import { runeLength } from '../../metadata.js';
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

export function checkLength(field: keyof typeof LIMITS, value: string): void {
  if (runeLength(value) > LIMITS[field])
    reject(`${toSnake(field)}_too_long`, `${field} is longer than ${LIMITS[field]} characters`);
}

function toSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
