// Builders for the accounts half of the parity corpus (users, apps, grants, comments, events, wallets…).
// They only shorten the data: every case is still setup blocks + one block + expected outcomes and rows,
// run by support.ts through the production path.
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { base58, base64 } from '@scure/base';
import { type EthKey, ethKey, personalSign } from '../../sim/keys.js';
import { Rng } from '../../sim/rng.js';
import { type EmStep, userCreate, walletOf } from './support.js';
import { P, T, U } from './support-content.js';

/** User, track and playlist ids at the reference's offsets (UserIDOffset + n, …). */
export { P, T, U };

/** Comment ids: CommentIDOffset + n. */
export const C = (n: number): number => 4_000_000 + n;
/** The wallet of user U(n). */
export const W = (n: number): string => walletOf(U(n));

/** seedUser(U(n), handle `u<n>`): a User/Create signed by the user's own wallet. */
export const user = (n: number, metadata: Readonly<Record<string, unknown>> = {}): EmStep =>
  userCreate(U(n), { handle: `u${n}`, name: `U${n}`, ...metadata });

/** seedTrack(T(t), owner U(n)). */
export const track = (n: number, t: number, metadata: Readonly<Record<string, unknown>> = {}): EmStep => ({
  user: U(n),
  type: 'Track',
  id: T(t),
  action: 'Create',
  metadata: { owner_id: U(n), title: `Track ${t}`, ...metadata },
});

/** seedPlaylist(P(pl), owner U(n)). */
export const playlist = (n: number, pl: number): EmStep => ({
  user: U(n),
  type: 'Playlist',
  id: P(pl),
  action: 'Create',
  metadata: {
    playlist_owner_id: U(n),
    playlist_name: `Playlist ${pl}`,
    playlist_contents: { track_ids: [] },
  },
});

/** One ManageEntity tx by user U(n) (signed by its wallet unless `signer` says otherwise). */
export const tx = (
  n: number,
  type: string,
  id: number,
  action: string,
  metadata?: Readonly<Record<string, unknown>> | string,
  signer?: string,
): EmStep => ({
  user: U(n),
  type,
  id,
  action,
  ...(metadata === undefined ? {} : { metadata }),
  ...(signer === undefined ? {} : { signer }),
});

/** The same tx sent as a genesis-migration (manage_entity_migration) tx. */
export const migrated = (s: EmStep): EmStep => ({ ...s, migration: true });

/** DeveloperApp/Create by U(n) for `address`. */
export const app = (n: number, address: string, metadata: Readonly<Record<string, unknown>> = {}): EmStep =>
  tx(n, 'DeveloperApp', 0, 'Create', { address, name: `App ${address.slice(-4)}`, ...metadata });

/** Grant/Create from U(n) to `grantee` (an app address or a user wallet). */
export const grant = (n: number, grantee: string, signer?: string): EmStep =>
  tx(n, 'Grant', 0, 'Create', { grantee_address: grantee }, signer);

/** A comment on track T(t) by U(n). */
export const comment = (
  n: number,
  c: number,
  t: number,
  metadata: Readonly<Record<string, unknown>> = {},
): EmStep =>
  tx(n, 'Comment', C(c), 'Create', {
    body: `comment ${c}`,
    entity_id: T(t),
    entity_type: 'Track',
    ...metadata,
  });

/** An app address that is no user's wallet. */
export const appAddress = (n: number): string => `0x${`a${n}`.padStart(40, '0')}`;

const rng = Rng.stream(18, 'parity-accounts');
/** Deterministic Ethereum keys, so a wallet proof can be a genuine personal_sign signature. */
export const ethKeys: readonly EthKey[] = Array.from({ length: 8 }, () => ethKey(rng));

/** `{message, signature}` signed by `key` with personal_sign. */
export function ethProof(key: EthKey, message = `Connecting Audius wallet ${key.address}`) {
  return { message, signature: personalSign(key, message) };
}

/** A deterministic Solana key pair (ed25519) and a proof over `message`. */
export function solWallet(seed: string) {
  const priv = createHash('sha256').update(seed).digest();
  const address = base58.encode(ed25519.getPublicKey(priv));
  const proof = (message = `link ${address}`) => ({
    message,
    signature: base64.encode(ed25519.sign(new TextEncoder().encode(message), priv)),
  });
  return { address, proof };
}

/** A time well after every parity block (blocks are stamped from 2025-01-01 on). */
export const FUTURE = '2030-01-01T00:00:00Z';
export const PAST = '2024-01-01T00:00:00Z';
