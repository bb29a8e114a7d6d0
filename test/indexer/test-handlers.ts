// Handlers that exist only in tests: they write a users row so effects are visible, and can fail hard.
import type { Dispatcher } from '../../src/entity-manager/dispatcher.js';
import { createDispatcher } from '../../src/entity-manager/dispatcher.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import type { HandlerRegistration } from '../../src/entity-manager/types.js';
import { reject } from '../../src/entity-manager/validation-error.js';

const writeUser: HandlerRegistration['handle'] = async (ctx, p) => {
  await ctx.db
    .insertInto('users')
    .values({
      user_id: p.entityId,
      is_current: true,
      wallet: p.signer,
      handle: `u${p.entityId}`,
      handle_lc: `u${p.entityId}`,
      blocknumber: p.blockNumber,
      blockhash: p.blockHash,
      txhash: p.txHash,
      slot: null,
      name: null,
      bio: null,
      location: null,
      profile_picture: null,
      profile_picture_sizes: null,
      cover_photo: null,
      cover_photo_sizes: null,
      metadata_multihash: null,
      creator_node_endpoint: null,
      playlist_library: null,
      artist_pick_track_id: null,
      twitter_handle: null,
      instagram_handle: null,
      tiktok_handle: null,
      website: null,
      donation: null,
      profile_type: null,
      spl_usdc_payout_wallet: null,
      coin_flair_mint: null,
      created_at: p.blockTime,
      updated_at: p.blockTime,
    })
    .execute();
};

export const TEST_HANDLERS: HandlerRegistration[] = [
  { entityType: 'Test', action: 'Write', gate: null, handle: writeUser },
  {
    entityType: 'Test',
    action: 'WriteThenBoom',
    gate: null,
    handle: async (ctx, p) => {
      await writeUser(ctx, p);
      throw new Error('boom: a hard error after a write');
    },
  },
  {
    entityType: 'Test',
    action: 'WriteThenReject',
    gate: null,
    handle: async (ctx, p) => {
      await writeUser(ctx, p);
      reject('metadata_value_invalid', 'rejected after a write');
    },
  },
  {
    // Passes every check and then fails in the database (a duplicate key), as a write the server refuses.
    entityType: 'Test',
    action: 'WriteFailsInDatabase',
    gate: null,
    handle: async (ctx, p) => {
      const row = { address: `dup${p.entityId}`, first_seen_block_height: 1, created_at: p.blockTime };
      await ctx.db.insertInto('etl_addresses').values(row).execute();
      await ctx.db.insertInto('etl_addresses').values(row).execute();
    },
  },
];

/** Production handlers plus the test ones (distinct entity type, so no key collides). */
export function testDispatcher(): Dispatcher {
  const prod = productionDispatcher();
  const test = createDispatcher(TEST_HANDLERS);
  return {
    handlerCount: prod.handlerCount + test.handlerCount,
    keys: [...prod.keys, ...test.keys],
    resolve: (entityType, action) => test.resolve(entityType, action) ?? prod.resolve(entityType, action),
  };
}

export const W = '0x00000000000000000000000000000000000000aa';
