// Tip reaction (Tip:Update, docs/spec.md#handlers-tip-emails-event-playcount): a reaction to a tip the user
// received. user_tips is not populated by this indexer (Solana tips are out of scope), so these reject unless
// tips were loaded.
import { validateSigner } from '../authorize.js';
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';

const react: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const reactedTo = p.metadata.str('reacted_to');
  if (reactedTo === '') reject('reacted_to_required', 'reacted_to (a tip signature) is required');
  const value = p.metadata.int4('reaction_value');
  if (value === undefined || value < 1 || value > 4)
    reject('reaction_value_invalid', 'reaction_value must be 1..4');
  const tip = await db
    .selectFrom('user_tips')
    .select('sender_user_id')
    .where('signature', '=', reactedTo)
    .where('receiver_user_id', '=', p.userId)
    .executeTakeFirst();
  if (!tip) reject('tip_not_found', `no tip ${reactedTo.slice(0, 20)} received by user ${p.userId}`);
  const sender = await db
    .selectFrom('users')
    .select('wallet')
    .where('user_id', '=', tip.sender_user_id)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!sender?.wallet) reject('tip_sender_not_found', `the tip sender ${tip.sender_user_id} has no wallet`);
  await db
    .insertInto('reactions')
    .values({
      reaction_value: value,
      sender_wallet: sender.wallet,
      reaction_type: 'tip',
      reacted_to: reactedTo,
      timestamp: p.blockTime,
      blocknumber: p.blockNumber,
    })
    .execute();
};

export const tipHandlers: readonly HandlerRegistration[] = [
  { entityType: 'Tip', action: 'Update', gate: 'Tip', writes: ['reactions'], handle: react },
];
