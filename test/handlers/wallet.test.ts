// Associated wallets: genuine eth and sol proofs link a wallet, forged ones are rejected.
import { ed25519 } from '@noble/curves/ed25519';
import { base58, base64 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ethKey, personalSign } from '../../sim/keys.js';
import { Rng } from '../../sim/rng.js';
import { TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { createUser, expectApplied, expectRejected, tx } from './support.js';

describe('associated wallets', () => {
  let t: TestDb;
  let c: TestChain;
  const rng = Rng.stream(5, 'test-keys');
  beforeAll(async () => {
    t = await createTestDb();
    c = new TestChain(t.db);
  });
  afterAll(async () => t?.close());

  it('wallet proofs: genuine eth and sol signatures link, forged ones are rejected', async () => {
    const u = await createUser(c);
    const key = ethKey(rng);
    const msg = `link ${key.address}`;
    const link = (metadata: Record<string, unknown>) =>
      tx({
        userId: u.id,
        entityType: 'AssociatedWallet',
        entityId: 0,
        action: 'Create',
        signer: u.wallet,
        metadata,
      });
    const other = ethKey(rng);
    await expectRejected(
      c,
      link({
        wallet: key.address,
        chain: 'eth',
        wallet_signature: { message: msg, signature: personalSign(other, msg) },
      }),
      'wallet_signature_invalid',
    );
    await expectRejected(c, link({ wallet: key.address, chain: 'eth' }), 'wallet_signature_required');
    await expectRejected(
      c,
      link({ wallet: key.address, chain: 'btc', wallet_signature: { message: msg, signature: '0x' } }),
      'chain_invalid',
    );
    await expectApplied(
      c,
      link({
        wallet: key.address,
        chain: 'eth',
        wallet_signature: { message: msg, signature: personalSign(key, msg) },
      }),
    );
    const priv = ed25519.utils.randomPrivateKey();
    const solWallet = base58.encode(ed25519.getPublicKey(priv));
    const solMsg = `link ${solWallet}`;
    const solSig = base64.encode(ed25519.sign(new TextEncoder().encode(solMsg), priv));
    await expectRejected(
      c,
      link({
        wallet: solWallet,
        chain: 'sol',
        wallet_signature: { message: `${solMsg}!`, signature: solSig },
      }),
      'wallet_signature_invalid',
    );
    await expectApplied(
      c,
      link({ wallet: solWallet, chain: 'sol', wallet_signature: { message: solMsg, signature: solSig } }),
    );
    const linked = await t.db
      .selectFrom('associated_wallets')
      .select(['wallet', 'chain'])
      .where('user_id', '=', u.id)
      .where('is_current', '=', true)
      .orderBy('chain')
      .execute();
    expect(linked).toEqual([
      { wallet: key.address, chain: 'eth' },
      { wallet: solWallet, chain: 'sol' },
    ]);
    await expectApplied(
      c,
      tx({
        userId: u.id,
        entityType: 'AssociatedWallet',
        entityId: 0,
        action: 'Delete',
        signer: u.wallet,
        metadata: { wallet: key.address },
      }),
    );
    await expectRejected(
      c,
      tx({
        userId: u.id,
        entityType: 'AssociatedWallet',
        entityId: 0,
        action: 'Delete',
        signer: u.wallet,
        metadata: { wallet: key.address },
      }),
      'wallet_not_linked',
    );
  });
});
