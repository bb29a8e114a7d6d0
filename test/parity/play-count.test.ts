// PlayCount/Reconcile, the genesis play-count replay (play_count.go).
import { type ParityCase, parityCases } from './support.js';
import { T, tx, user } from './support-accounts.js';

const reconcile = (t: number, metadata: Record<string, unknown>) =>
  tx(1, 'PlayCount', T(t), 'Reconcile', metadata);

const cases: ParityCase[] = [
  {
    name: 'a reconcile creates the aggregate',
    from: 'go:play_count.go (aggregate_plays.count += delta)',
    setup: [user(1)],
    block: reconcile(1, { delta: 42 }),
    outcomes: ['applied'],
    rows: [{ table: 'aggregate_plays', where: { play_item_id: T(1) }, equals: { count: 42 } }],
  },
  {
    name: 'reconciles add up, negative deltas included',
    from: 'go:play_count.go (count += delta)',
    setup: [user(1), reconcile(1, { delta: 42 })],
    block: [reconcile(1, { delta: 8 }), reconcile(1, { delta: -10 })],
    outcomes: ['applied', 'applied'],
    rows: [{ table: 'aggregate_plays', where: { play_item_id: T(1) }, equals: { count: 40 } }],
  },
  {
    name: 'a reconcile without delta is rejected',
    from: 'go:play_count.go (delta required)',
    setup: [user(1)],
    block: reconcile(1, {}),
    outcomes: ['delta_required'],
  },
  {
    name: 'a delta out of range is rejected',
    from: 'go:play_count.go (delta is any integer there)',
    setup: [user(1)],
    block: reconcile(1, { delta: 1e12 }),
    outcomes: ['delta_out_of_range'],
    difference: 'PlayCount/Reconcile delta bound (docs/parity-accounts.md)',
  },
];

parityCases('play-count', cases);
