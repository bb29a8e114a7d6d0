// AssociatedWallet and DashboardWalletUser (docs/spec.md#handlers-wallets): a wallet linked to a user must
// prove ownership with a signature (the legacy indexer left this as a TODO).
import type { Insertable, Updateable } from 'kysely';
import type {
  AssociatedWalletsTable,
  DashboardWalletUsersTable,
} from '../../db/tables/apps-comments-events.js';
import { validateSigner } from '../authorize.js';
import { isObject, type Metadata } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { verifyEth, verifySol } from './common/wallet-signature.js';

type Chain = 'eth' | 'sol';

/** Lower-case Ethereum addresses; Solana base58 is case-sensitive and kept as sent. */
function canonicalWallet(wallet: string, chain: string): string {
  return chain === 'eth' || /^0x/i.test(wallet) ? wallet.toLowerCase() : wallet;
}

function proof(m: Metadata, key: string): { message: string; signature: string } | undefined {
  const v = m.json(key);
  if (!isObject(v) || typeof v.message !== 'string' || typeof v.signature !== 'string') return undefined;
  return { message: v.message, signature: v.signature };
}

const linkWallet: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const m = p.metadata;
  const chain = m.str('chain');
  const wallet = canonicalWallet(m.str('wallet'), chain);
  if (wallet === '') reject('wallet_required', 'wallet is required');
  if (chain !== 'eth' && chain !== 'sol')
    reject('chain_invalid', `chain must be eth or sol, got ${chain.slice(0, 10)}`);
  if (!p.migration) {
    const pr = proof(m, 'wallet_signature');
    if (!pr) reject('wallet_signature_required', 'wallet_signature {message, signature} is required');
    const ok =
      (chain as Chain) === 'eth'
        ? verifyEth(wallet, pr.message, pr.signature)
        : verifySol(wallet, pr.message, pr.signature);
    if (!ok) reject('wallet_signature_invalid', `the signature does not prove ownership of ${wallet}`);
  }
  const deleted = p.migration && m.bool('is_delete') === true;
  // Ownership is exclusive per chain: take the wallet away from any other user.
  await db
    .updateTable('associated_wallets')
    .set({ is_current: false, is_delete: true, updated_at: p.blockTime })
    .where('wallet', '=', wallet)
    .where('chain', '=', chain)
    .where('user_id', '<>', p.userId)
    .where('is_current', '=', true)
    .execute();
  // One row per (user, wallet, chain) (the unique_user_wallet_chain constraint, 0009): a re-link, after an
  // unlink or not, brings that row back rather than appending a second one.
  const row: Insertable<AssociatedWalletsTable> = {
    user_id: p.userId,
    wallet,
    chain,
    is_current: true,
    is_delete: deleted,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    created_at: p.blockTime,
    updated_at: p.blockTime,
  };
  const relink: Updateable<AssociatedWalletsTable> = {
    is_current: true,
    is_delete: deleted,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    updated_at: p.blockTime,
  };
  await db
    .insertInto('associated_wallets')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'wallet', 'chain']).doUpdateSet(relink))
    .execute();
};

const unlinkWallet: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const m = p.metadata;
  const wallet = canonicalWallet(m.str('wallet'), m.str('chain'));
  if (wallet === '') reject('wallet_required', 'wallet is required');
  const row = await db
    .selectFrom('associated_wallets')
    .select('id')
    .where('user_id', '=', p.userId)
    .where('wallet', '=', wallet)
    .where('is_current', '=', true)
    .where('is_delete', '=', false)
    .executeTakeFirst();
  if (!row) reject('wallet_not_linked', `wallet ${wallet} is not linked to user ${p.userId}`);
  await db
    .updateTable('associated_wallets')
    .set({ is_current: false, is_delete: true, updated_at: p.blockTime })
    .where('id', '=', row.id)
    .execute();
};

async function dashboardChecks({ db }: Parameters<Handler>[0], p: EmParams) {
  const wallet = p.metadata.str('wallet').toLowerCase();
  if (wallet === '') reject('wallet_required', 'wallet is required');
  const user = await db
    .selectFrom('users')
    .select('wallet')
    .where('user_id', '=', p.userId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!user) reject('user_not_found', `user ${p.userId} does not exist`);
  // The user or the dashboard wallet itself may sign; grants are not consulted.
  if (p.signer !== (user.wallet ?? '').toLowerCase() && p.signer !== wallet)
    reject('signer_not_authorized', `signer ${p.signer} is neither the user nor the wallet`);
  return { wallet, userWallet: (user.wallet ?? '').toLowerCase() };
}

const assignDashboard: Handler = async (ctx, p) => {
  const { wallet, userWallet } = await dashboardChecks(ctx, p);
  const existing = await ctx.db
    .selectFrom('dashboard_wallet_users')
    .select('is_delete')
    .where('wallet', '=', wallet)
    .executeTakeFirst();
  if (existing && !existing.is_delete)
    reject('dashboard_wallet_assigned', `dashboard wallet ${wallet} is already assigned`);
  if (!p.migration) {
    const ws = proof(p.metadata, 'wallet_signature');
    const us = proof(p.metadata, 'user_signature');
    if (!ws && !us) reject('wallet_signature_required', 'wallet_signature or user_signature is required');
    if (ws && !verifyEth(wallet, ws.message, ws.signature))
      reject('wallet_signature_invalid', 'wallet_signature does not recover the dashboard wallet');
    if (us && !verifyEth(userWallet, us.message, us.signature))
      reject('wallet_signature_invalid', 'user_signature does not recover the user wallet');
  }
  const assign: Updateable<DashboardWalletUsersTable> = {
    user_id: p.userId,
    is_delete: p.migration && p.metadata.bool('is_delete') === true,
    txhash: p.txHash,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    updated_at: p.blockTime,
  };
  const row: Insertable<DashboardWalletUsersTable> = {
    wallet,
    user_id: p.userId,
    is_delete: assign.is_delete ?? false,
    txhash: p.txHash,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    created_at: p.blockTime,
    updated_at: p.blockTime,
  };
  await ctx.db
    .insertInto('dashboard_wallet_users')
    .values(row)
    .onConflict((oc) => oc.column('wallet').doUpdateSet(assign))
    .execute();
};

const unassignDashboard: Handler = async (ctx, p) => {
  const { wallet, userWallet } = await dashboardChecks(ctx, p);
  const row = await ctx.db
    .selectFrom('dashboard_wallet_users')
    .select(['is_delete', 'user_id'])
    .where('wallet', '=', wallet)
    .executeTakeFirst();
  if (!row || row.is_delete)
    reject('dashboard_wallet_not_found', `dashboard wallet ${wallet} is not assigned`);
  if (p.signer === userWallet && row.user_id !== p.userId)
    reject('not_owner', `dashboard wallet ${wallet} belongs to another user`);
  await ctx.db
    .updateTable('dashboard_wallet_users')
    .set({ is_delete: true, txhash: p.txHash, blocknumber: p.blockNumber, updated_at: p.blockTime })
    .where('wallet', '=', wallet)
    .execute();
};

export const walletHandlers: readonly HandlerRegistration[] = [
  // Genesis migration: the ownership proof is not replayable (the source keeps no signature); is_delete
  // comes from metadata.
  {
    entityType: 'AssociatedWallet',
    action: 'Create',
    gate: 'AssociatedWallet',
    writes: ['associated_wallets'],
    handle: linkWallet,
  },
  {
    entityType: 'AssociatedWallet',
    action: 'Delete',
    gate: 'AssociatedWallet',
    writes: ['associated_wallets'],
    handle: unlinkWallet,
  },
  // Authorize exception: the user's wallet or the dashboard wallet itself signs (no grants); genesis
  // migration skips the signature proof and carries is_delete.
  {
    entityType: 'DashboardWalletUser',
    action: 'Create',
    gate: 'DashboardWalletUser',
    writes: ['dashboard_wallet_users'],
    handle: assignDashboard,
  },
  {
    entityType: 'DashboardWalletUser',
    action: 'Delete',
    gate: 'DashboardWalletUser',
    writes: ['dashboard_wallet_users'],
    handle: unassignDashboard,
  },
];
