// Shared steps for handler tests: a chain over one database, users with wallets, and assertions that a
// rejection carries its reason code and wrote nothing outside the raw etl_* audit tables.
import { expect } from 'vitest';
import type { ManageEntityTx } from '../../src/chain/types.js';
import { type EmFields, emTx, type TestChain } from '../support/chain.js';
import { digestTables } from '../support/digest.js';

export const wallet = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

const AUDIT = (t: string) =>
  t.startsWith('etl_') || t.startsWith('metronome_') || t === 'blocks' || t === 'core_indexed_blocks';

async function domainDigest(chain: TestChain) {
  const d = await digestTables(chain.db);
  return Object.fromEntries(Object.entries(d).filter(([t]) => !AUDIT(t)));
}

export async function expectApplied(chain: TestChain, tx: ManageEntityTx): Promise<void> {
  const row = await chain.one(tx);
  expect(row, `${tx.manageEntity.entityType}:${tx.manageEntity.action}`).toMatchObject({
    outcome: 'applied',
    reason_code: null,
  });
}

export async function expectRejected(chain: TestChain, tx: ManageEntityTx, code: string): Promise<void> {
  const before = await domainDigest(chain);
  const row = await chain.one(tx);
  expect({ outcome: row.outcome, code: row.reason_code }, row.reason ?? '').toEqual({
    outcome: 'rejected',
    code,
  });
  expect(await domainDigest(chain), `a rejected tx (${code}) must write nothing`).toEqual(before);
}

let nextUser = 3_000_100;
/** Creates a user through the real User/Create handler and returns its id and wallet. */
export async function createUser(chain: TestChain, handle?: string): Promise<{ id: number; wallet: string }> {
  const id = nextUser++;
  const w = wallet(id);
  await expectApplied(
    chain,
    emTx({
      userId: id,
      entityType: 'User',
      entityId: id,
      action: 'Create',
      signer: w,
      metadata: { handle: handle ?? `user${id}`, name: `U ${id}` },
    }),
  );
  return { id, wallet: w };
}

let nextTrack = 2_000_100;
export async function createTrack(
  chain: TestChain,
  owner: { id: number; wallet: string },
  extra: Record<string, unknown> = {},
): Promise<number> {
  const id = nextTrack++;
  await expectApplied(
    chain,
    emTx({
      userId: owner.id,
      entityType: 'Track',
      entityId: id,
      action: 'Create',
      signer: owner.wallet,
      metadata: { owner_id: owner.id, title: `Song ${id}`, genre: 'Electronic', ...extra },
    }),
  );
  return id;
}

let nextPlaylist = 400_100;
export async function createPlaylist(
  chain: TestChain,
  owner: { id: number; wallet: string },
  extra: Record<string, unknown> = {},
): Promise<number> {
  const id = nextPlaylist++;
  await expectApplied(
    chain,
    emTx({
      userId: owner.id,
      entityType: 'Playlist',
      entityId: id,
      action: 'Create',
      signer: owner.wallet,
      metadata: { playlist_name: `List ${id}`, ...extra },
    }),
  );
  return id;
}

export const tx = (f: EmFields) => emTx(f);
