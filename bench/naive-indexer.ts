// The naive way, for comparison only: what a direct port does — one statement per row, a transaction
// and a commit per block, no batching. Same handlers for ManageEntity txs, same tables.
import { type Kysely, sql } from 'kysely';
import type { Block } from '../src/chain/types.js';
import type { Database } from '../src/db/schema.js';
import { silentLogger } from '../src/deps/logger.js';
import { applyManageEntity } from '../src/entity-manager/apply.js';
import type { Dispatcher } from '../src/entity-manager/dispatcher.js';
import { resolveEmBlock } from '../src/indexer/em-block.js';
import { classifyPlay } from '../src/indexer/plays-bridge.js';

export async function naiveIndexBlock(
  db: Kysely<Database>,
  block: Block,
  chainId: string,
  dispatcher: Dispatcher,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // It is the indexer, not the other writer: its plays skip the guard trigger (0008), as the bridge's do.
    if (block.txs.some((t) => t.kind === 'plays'))
      await sql`SELECT set_config('metronome.plays_bridge', 'on', true)`.execute(trx);
    await sql`INSERT INTO etl_blocks (proposer_address, block_height, block_time) VALUES (${block.proposer}, ${block.height}, ${block.timestamp})`.execute(
      trx,
    );
    const hasEm = block.txs.some((t) => t.kind === 'manage_entity');
    const em = hasEm ? await resolveEmBlock(trx, block.hash) : null;
    await sql`INSERT INTO core_indexed_blocks (blockhash, chain_id, height, em_block) VALUES (${block.hash}, ${chainId}, ${block.height}, ${em})`.execute(
      trx,
    );
    for (const [i, tx] of block.txs.entries()) {
      let outcome = 'applied';
      if (tx.kind === 'manage_entity') {
        const me = tx.manageEntity;
        await sql`INSERT INTO etl_manage_entities (address, entity_type, action, metadata, signer, block_height, tx_hash, tx_index, created_at)
                  VALUES (${me.signer.toLowerCase()}, ${me.entityType}, ${me.action}, ${me.metadata}, ${me.signer}, ${block.height}, ${tx.hash}, ${i}, ${block.timestamp})`.execute(
          trx,
        );
        await sql`INSERT INTO etl_addresses (address, first_seen_block_height, created_at) VALUES (${me.signer.toLowerCase()}, ${block.height}, ${block.timestamp}) ON CONFLICT DO NOTHING`.execute(
          trx,
        );
        await sql`SAVEPOINT tx`.execute(trx);
        try {
          const r = await applyManageEntity(tx, {
            db: trx,
            logger: silentLogger,
            dispatcher,
            emBlock: em!,
            blockTime: block.timestamp,
            blockHash: block.hash,
            chainHeight: block.height,
          });
          outcome = r.outcome;
          await sql`RELEASE SAVEPOINT tx`.execute(trx);
        } catch {
          outcome = 'failed';
          await sql`ROLLBACK TO SAVEPOINT tx`.execute(trx);
        }
      } else if (tx.kind === 'plays') {
        for (const [j, p] of tx.plays.entries()) {
          const c = classifyPlay(p, tx.hash, i, j);
          await sql`INSERT INTO etl_plays (address, track_id, city, region, country, played_at, block_height, tx_hash, tx_index, play_index, signature, recorded_at, skip_reason)
                    VALUES (${p.userId}, ${p.trackId}, ${p.city}, ${p.region}, ${p.country}, ${p.timestamp || null}, ${block.height}, ${tx.hash}, ${i}, ${j}, ${p.signature}, ${block.timestamp}, ${c.skipReason ?? null})`.execute(
            trx,
          );
          if (c.skipReason) continue;
          await sql`INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
                    VALUES (${c.userId}, 'relay', ${c.trackId!}, ${p.timestamp}, ${block.timestamp}, ${block.height}, ${p.signature}, ${p.city}, ${p.region}, ${p.country})`.execute(
            trx,
          );
        }
      }
      await sql`INSERT INTO etl_transactions (tx_hash, block_height, tx_index, tx_type, created_at, outcome) VALUES (${tx.hash}, ${block.height}, ${i}, ${tx.kind}, ${block.timestamp}, ${outcome})`.execute(
        trx,
      );
    }
  });
}
