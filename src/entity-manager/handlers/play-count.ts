// PlayCount/Reconcile (genesis): aggregate_plays(entity_id).count += metadata.delta. Registered always.
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';

const MAX_DELTA = 1_000_000_000;

const reconcile: Handler = async ({ db }, p) => {
  const raw = p.metadata.json('delta');
  if (typeof raw !== 'number') reject('delta_required', 'metadata.delta is required');
  const delta = Math.trunc(raw);
  if (!(Math.abs(delta) <= MAX_DELTA)) reject('delta_out_of_range', `delta ${delta} is out of range`);
  await db
    .insertInto('aggregate_plays')
    .values({ play_item_id: p.entityId, count: delta })
    .onConflict((oc) =>
      oc
        .column('play_item_id')
        .doUpdateSet((eb) => ({ count: eb(eb.fn.coalesce('aggregate_plays.count', eb.lit(0)), '+', delta) })),
    )
    .execute();
};

export const playCountHandlers: readonly HandlerRegistration[] = [
  // Exception: no authorize step and no gate (genesis replay of play counts).
  {
    entityType: 'PlayCount',
    action: 'Reconcile',
    gate: null,
    writes: ['aggregate_plays'],
    handle: reconcile,
  },
];
