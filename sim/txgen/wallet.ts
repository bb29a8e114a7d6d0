// AssociatedWallet and DashboardWalletUser generators (handlers/wallet.ts): links signed by the wallet.
import { ethKey, personalSign } from '../keys.js';
import { signedBy, takeAny } from './common.js';
import type { Generator } from './types.js';

export const WALLET: readonly Generator[] = [
  {
    key: 'AssociatedWallet:Create',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u) return undefined;
      const key = ethKey(rng);
      const message = `link ${key.address} to user ${u.id}`;
      world.linkedWallets.push({ user: u.id, address: key.address });
      return signedBy(u, 'AssociatedWallet', 'Create', 0, {
        wallet: key.address,
        chain: 'eth',
        wallet_signature: { message, signature: personalSign(key, message) },
      });
    },
  },
  {
    key: 'AssociatedWallet:Delete',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const l = takeAny(rng, world.linkedWallets);
      const u = l && world.userById(l.user);
      return u && signedBy(u, 'AssociatedWallet', 'Delete', 0, { wallet: l.address, chain: 'eth' });
    },
  },
  {
    key: 'DashboardWalletUser:Create',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u) return undefined;
      const key = ethKey(rng);
      const message = `dashboard ${key.address} for user ${u.id}`;
      world.dashboardWallets.push({ user: u.id, address: key.address });
      return signedBy(u, 'DashboardWalletUser', 'Create', 0, {
        wallet: key.address,
        wallet_signature: { message, signature: personalSign(key, message) },
      });
    },
  },
  {
    key: 'DashboardWalletUser:Delete',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const d = takeAny(rng, world.dashboardWallets);
      const u = d && world.userById(d.user);
      return u && signedBy(u, 'DashboardWalletUser', 'Delete', 0, { wallet: d.address });
    },
  },
];
