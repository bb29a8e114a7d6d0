// Tip reactions (tip_reaction_test.go). user_tips is seeded as rows: Solana tips are not ManageEntity txs.
import { type ParityCase, parityCases, type RowSeed } from './support.js';
import { tx, U, user, W } from './support-accounts.js';

const tip = (signature: string, sender: number, receiver: number): RowSeed => ({
  insert: 'user_tips',
  values: {
    slot: 1,
    signature,
    sender_user_id: U(sender),
    receiver_user_id: U(receiver),
    amount: 1_000_000,
    created_at: '2025-01-01T00:00:00Z',
  },
});
const react = (n: number, metadata: Record<string, unknown>) => tx(n, 'Tip', 0, 'Update', metadata);

const cases: ParityCase[] = [
  {
    name: 'the receiver reacts to a tip',
    from: 'go:tip_reaction_test.go TestTipReaction_Success',
    setup: [[user(1), user(2)], [tip('tip-sig-123', 1, 2)]],
    block: react(2, { reacted_to: 'tip-sig-123', reaction_value: 1 }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'reactions',
        where: { reacted_to: 'tip-sig-123' },
        equals: { reaction_value: 1, sender_wallet: W(1), reaction_type: 'tip' },
      },
    ],
  },
  {
    name: 'a reaction value outside 1..4 is rejected',
    from: 'go:tip_reaction_test.go TestTipReaction_RejectsInvalidValue',
    setup: [user(1)],
    block: react(1, { reacted_to: 'some-sig', reaction_value: 5 }),
    outcomes: ['reaction_value_invalid'],
  },
  {
    name: 'a reaction to an unknown tip is rejected',
    from: 'go:tip_reaction_test.go TestTipReaction_RejectsTipNotFound',
    setup: [user(1)],
    block: react(1, { reacted_to: 'nonexistent-sig', reaction_value: 1 }),
    outcomes: ['tip_not_found'],
  },
  {
    name: 'a reaction without reacted_to is rejected',
    from: 'go:tip_reaction_test.go TestTipReaction_RejectsMissingReactedTo',
    setup: [user(1)],
    block: react(1, { reaction_value: 1 }),
    outcomes: ['reacted_to_required'],
  },
  {
    name: 'only the receiver may react (the sender cannot)',
    from: 'py:entities/tip_reactions.py (tip must be received by the user)',
    setup: [[user(1), user(2)], [tip('tip-sig-9', 1, 2)]],
    block: react(1, { reacted_to: 'tip-sig-9', reaction_value: 2 }),
    outcomes: ['tip_not_found'],
  },
];

parityCases('tip', cases);
