// Hostile sweep: 10,000 generated hostile ManageEntity txs through the production path (wire JSON →
// decode → indexBlock) must each get a recorded outcome — applied, rejected with a reason, or unrouted —
// and never `failed`, never a block that throws. Each hostile tx is a mutant of a valid simulated tx,
// placed before its original so it meets the same state and reaches the handler's deep checks.
import { describe, expect, it } from 'vitest';
import { SimChain } from '../../sim/chain.js';
import { Rng } from '../../sim/rng.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import type { WireManageEntity, WireTransaction } from '../../src/chain/wire.js';
import { silentLogger } from '../../src/deps/logger.js';
import { isTxReasonCode } from '../../src/entity-manager/reasons.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { createTestDb, testBackend } from '../support/db.js';

const TARGET = 10_000;
const MUTANTS_PER_TX = 4;
const SEED = 20_261_130;

const PAST_INT4 = [2_147_483_648, -2_147_483_649, 1e20, 9_007_199_254_740_992, -1e308, 1e308];
const WRONG_TYPES: unknown[] = [
  [],
  {},
  true,
  false,
  'seven',
  '123',
  123,
  -1,
  0.5,
  null,
  [1, 'a', null],
  { a: { b: [] } },
];
/** Every metadata id a handler reads, top-level or nested, set to a value past int4. */
const ID_PATHS: ((v: number) => Record<string, unknown>)[] = [
  ...[
    'entity_id',
    'parent_comment_id',
    'parent_id',
    'artist_pick_track_id',
    'grantor_user_id',
    'owner_id',
    'email_owner_user_id',
    'track_id',
    'playlist_id',
    'user_id',
    'receiving_user_id',
    'duration',
    'track_timestamp_s',
    'reaction_value',
    'delta',
    'event_id',
    'stem_of',
  ].map((k) => (v: number) => ({ [k]: v })),
  (v) => ({ remix_of: { tracks: [{ parent_track_id: v }] } }),
  (v) => ({ stem_of: { parent_track_id: v, category: 'bass' } }),
  (v) => ({ collaborators: [v] }),
  (v) => ({ collaborators: [{ user_id: v }] }),
  (v) => ({ mentions: [v] }),
  (v) => ({ access_grants: [{ receiving_user_id: v, grantor_user_id: 1, encrypted_key: 'k' }] }),
  (v) => ({ access_grants: [{ receiving_user_id: 1, grantor_user_id: v, encrypted_key: 'k' }] }),
  (v) => ({ playlist_contents: { track_ids: [{ track: v, time: 1 }] } }),
  (v) => ({ playlist_contents: { track_ids: [{ track: 1, time: v, metadata_time: v }] } }),
  (v) => ({ stream_conditions: { follow_user_id: v } }),
  (v) => ({ stream_conditions: { tip_user_id: v } }),
  (v) => ({ stream_conditions: { usdc_purchase: { price: v, splits: [{ user_id: v, percentage: 100 }] } } }),
  (v) => ({ download_conditions: { usdc_purchase: { price: v, splits: { '0xabc': v } } } }),
  (v) => ({ bpm: v, release_date: v, end_date: v }),
];

type Data = Record<string, unknown>;

function dataOf(me: WireManageEntity): { data: Data; envelope: boolean } {
  try {
    const parsed = JSON.parse(String(me.metadata ?? '')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const p = parsed as Data;
      if (p.data && typeof p.data === 'object' && !Array.isArray(p.data))
        return { data: { ...(p.data as Data) }, envelope: true };
      return { data: { ...p }, envelope: false };
    }
  } catch {
    // not JSON: mutate an empty object instead
  }
  return { data: {}, envelope: true };
}

const encode = (d: Data, envelope: boolean) => JSON.stringify(envelope ? { cid: 'bafysweep', data: d } : d);

/** The kinds of hostility, each a function of a valid ManageEntity → a hostile copy. */
const MUTATORS: Record<string, (me: WireManageEntity, rng: Rng) => { me: WireManageEntity; hash?: string }> =
  {
    id_past_int4: (me, rng) => {
      const { data, envelope } = dataOf(me);
      const patch = ID_PATHS[rng.int(0, ID_PATHS.length - 1)]!(PAST_INT4[rng.int(0, PAST_INT4.length - 1)]!);
      return { me: { ...me, metadata: encode({ ...data, ...patch }, envelope) } };
    },
    wrong_type: (me, rng) => {
      const { data, envelope } = dataOf(me);
      const keys = Object.keys(data);
      const key = keys.length > 0 && rng.chance(0.8) ? keys[rng.int(0, keys.length - 1)]! : 'handle';
      return {
        me: {
          ...me,
          metadata: encode({ ...data, [key]: WRONG_TYPES[rng.int(0, WRONG_TYPES.length - 1)] }, envelope),
        },
      };
    },
    huge_value: (me, rng) => {
      const { data, envelope } = dataOf(me);
      const keys = Object.keys(data).filter((k) => typeof data[k] === 'string');
      const key = keys.length > 0 ? keys[rng.int(0, keys.length - 1)]! : 'name';
      const huge = rng.pick([
        'x'.repeat(100_000),
        'é'.repeat(40_000),
        '9'.repeat(5_000),
        `${'['.repeat(3_000)}${']'.repeat(3_000)}`,
      ]);
      return { me: { ...me, metadata: encode({ ...data, [key]: huge }, envelope) } };
    },
    deep_nesting: (me) => ({
      me: { ...me, metadata: `{"cid":"x","data":{"handle":${'['.repeat(20_000)}${']'.repeat(20_000)}}}` },
    }),
    nul_in_string: (me, rng) => {
      const { data, envelope } = dataOf(me);
      const keys = Object.keys(data).filter((k) => typeof data[k] === 'string');
      const key = keys.length > 0 ? keys[rng.int(0, keys.length - 1)]! : 'name';
      return { me: { ...me, metadata: encode({ ...data, [key]: `a\u0000b` }, envelope) } };
    },
    nul_in_key: (me) => {
      const { data, envelope } = dataOf(me);
      return { me: { ...me, metadata: encode({ ...data, 'k\u0000': 1 }, envelope) } };
    },
    nul_in_field: (me, rng) => {
      const field = rng.pick([
        'signer',
        'entityType',
        'action',
        'userId',
        'entityId',
        'nonce',
        'signature',
      ] as const);
      return { me: { ...me, [field]: `${String(me[field] ?? '')}\u0000` } };
    },
    lone_surrogate: (me, rng) => {
      const { data, envelope } = dataOf(me);
      const keys = Object.keys(data).filter(
        (k) => typeof data[k] === 'string' || typeof data[k] === 'object',
      );
      const key = keys.length > 0 ? keys[rng.int(0, keys.length - 1)]! : 'playlist_library';
      return {
        me: {
          ...me,
          metadata: encode({ ...data, [key]: { '\ud800k': 'a\udc00b', list: ['\ud83d'] } }, envelope),
        },
      };
    },
    nul_in_hash: (me) => ({ me, hash: `ab\u0000cd` }),
    literal_backslash_u0000: (me) => {
      const { data, envelope } = dataOf(me);
      return { me: { ...me, metadata: encode({ ...data, description: 'C:\\u0000dir' }, envelope) } };
    },
    envelope_ids: (me, rng) => {
      const v = rng.pick([
        '2147483648',
        '-2147483649',
        '99999999999999999999',
        '1.5',
        'abc',
        '',
        ' 1',
        '0x10',
      ]);
      return { me: rng.chance(0.5) ? { ...me, userId: v } : { ...me, entityId: v } };
    },
    wrong_envelope_types: (me, rng) => ({
      me: {
        ...me,
        [rng.pick(['userId', 'entityId', 'metadata', 'signer', 'entityType'] as const)]:
          rng.pick(WRONG_TYPES),
      },
    }),
    malformed_json: (me, rng) => ({
      me: {
        ...me,
        metadata: rng.pick([
          '{',
          '{"data":',
          '[1,2]',
          '"str"',
          '42',
          'null',
          '{"data": [1]}',
          '\uFEFF{}',
          "{'a':1}",
        ]),
      },
    }),
    forged_signer: (me, rng) => ({ me: { ...me, signer: `0x${rng.hex(20)}` } }),
    unknown_pair: (me, rng) => ({
      me: {
        ...me,
        entityType: rng.pick(['user', 'TRACK', 'Xyz', 'Track ', '']),
        action: rng.pick(['create', 'Explode', 'Update', '']),
      },
    }),
    sql_metacharacters: (me) => {
      const { data, envelope } = dataOf(me);
      const evil = `'); DROP TABLE users; --\\ $$ %s %n`;
      const patched = Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? evil : v]),
      );
      return {
        me: { ...me, metadata: encode({ ...patched, name: evil, title: evil, handle: evil }, envelope) },
      };
    },
  };
const KINDS = Object.keys(MUTATORS);

describe.runIf(testBackend() === 'postgres')('hostile sweep', () => {
  it(`${TARGET} hostile txs: every one recorded, none failed, no block throws`, async () => {
    const tdb = await createTestDb();
    try {
      const chain = new SimChain({ seed: SEED, blocks: 100_000, hostileShare: 0, playsScale: 0.05 });
      const rng = Rng.stream(SEED, 'sweep');
      const deps = { chainId: 'metronome-sim', dispatcher: productionDispatcher(), logger: silentLogger };
      const kinds: Record<string, number> = {};
      let hostile = 0;
      let height = 0;
      while (hostile < TARGET) {
        height++;
        const resp = structuredClone(chain.responseFor(height));
        const txs: WireTransaction[] = [];
        for (const [i, tx] of ((resp.block?.transactions ?? []) as WireTransaction[]).entries()) {
          const me = tx.transaction?.manageEntity;
          if (me && hostile < TARGET) {
            for (let k = 0; k < MUTANTS_PER_TX && hostile < TARGET; k++) {
              const kind = KINDS[rng.int(0, KINDS.length - 1)]!;
              const m = MUTATORS[kind]!(me, rng);
              kinds[kind] = (kinds[kind] ?? 0) + 1;
              hostile++;
              txs.push({
                ...tx,
                hash: m.hash ?? `${String(tx.hash)}${i}m${k}`,
                transaction: { manageEntity: m.me },
              });
            }
          }
          txs.push(tx);
        }
        if (resp.block) resp.block.transactions = txs;
        const decoded = decodeGetBlockResponse(resp, height);
        if (decoded.status !== 'block') throw new Error(`height ${height} did not decode`);
        await indexBlock(tdb.db, decoded.block, deps);
      }
      const rows = await tdb.db
        .selectFrom('etl_transactions')
        .select(['outcome', 'reason_code', (eb) => eb.fn.countAll<string>().as('n')])
        .where('tx_type', 'in', ['manage_entity', 'manage_entity_migration'])
        .groupBy(['outcome', 'reason_code'])
        .execute();
      const byOutcome: Record<string, number> = {};
      for (const r of rows) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + Number(r.n);
      const failed = rows.filter((r) => r.outcome === 'failed');
      const unknownCodes = rows.filter((r) => r.reason_code !== null && !isTxReasonCode(r.reason_code));
      console.log(
        `[hostile-sweep] ${hostile} hostile txs over ${height} blocks; kinds ${JSON.stringify(kinds)}; outcomes ${JSON.stringify(byOutcome)}`,
      );
      expect(failed, 'no tx may fail on bad input').toEqual([]);
      expect(unknownCodes, 'every reason is in the closed set').toEqual([]);
      expect(Object.keys(kinds).sort(), 'every hostile kind was generated').toEqual([...KINDS].sort());
      const recorded = Object.values(byOutcome).reduce((a, b) => a + b, 0);
      expect(recorded, 'every hostile tx and its original are recorded').toBeGreaterThanOrEqual(
        TARGET + TARGET / MUTANTS_PER_TX,
      );
      expect(byOutcome.rejected ?? 0, 'hostile txs are rejected with reasons').toBeGreaterThan(TARGET / 2);
    } finally {
      await tdb.close();
    }
  }, 900_000);
});
