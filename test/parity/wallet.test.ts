// AssociatedWallet and DashboardWalletUser (associated_wallet_test.go, dashboard_wallet_test.go; the
// genesis path from migration.go). Ownership proofs are genuine signatures from deterministic keys.
import { type ParityCase, parityCases } from './support.js';
import { ethKeys, ethProof, migrated, solWallet, tx, U, user, W } from './support-accounts.js';

const [k1, k2, k3] = ethKeys as [
  NonNullable<(typeof ethKeys)[0]>,
  NonNullable<(typeof ethKeys)[1]>,
  NonNullable<(typeof ethKeys)[2]>,
];
const sol = solWallet('parity-accounts-sol');
const link = (n: number, metadata: Record<string, unknown>) =>
  tx(n, 'AssociatedWallet', 0, 'Create', metadata);
const unlink = (n: number, metadata: Record<string, unknown>) =>
  tx(n, 'AssociatedWallet', 0, 'Delete', metadata);
const dash = (n: number, action: 'Create' | 'Delete', metadata: Record<string, unknown>, signer?: string) =>
  tx(n, 'DashboardWalletUser', 0, action, metadata, signer);
const MSG = 'Connecting Audius dashboard wallet';

const cases: ParityCase[] = [
  {
    name: 'an eth wallet links with its personal_sign proof',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_ETH_Success',
    setup: [user(1)],
    block: link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'associated_wallets',
        where: { user_id: U(1), wallet: k1.address, is_current: true },
        equals: { chain: 'eth', is_delete: false },
      },
    ],
  },
  {
    name: 'a proof signed by another key is rejected',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_ETH_RejectsWrongSigner',
    setup: [user(1)],
    block: link(1, {
      wallet: k1.address,
      chain: 'eth',
      wallet_signature: ethProof(k2, `Connecting Audius wallet ${k1.address}`),
    }),
    outcomes: ['wallet_signature_invalid'],
  },
  {
    name: 'a sol wallet links with its ed25519 proof',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_SOL_Success',
    setup: [user(1)],
    block: link(1, { wallet: sol.address, chain: 'sol', wallet_signature: sol.proof() }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'associated_wallets',
        where: { user_id: U(1), wallet: sol.address },
        equals: { chain: 'sol' },
      },
    ],
  },
  {
    name: 'a link without the wallet is rejected',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_RejectsMissingWallet',
    setup: [user(1)],
    block: link(1, { chain: 'eth' }),
    outcomes: ['wallet_required'],
  },
  {
    name: 'a link without the chain is rejected',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_RejectsMissingChain',
    setup: [user(1)],
    block: link(1, { wallet: '0xassoc1' }),
    outcomes: ['chain_invalid'],
  },
  {
    name: 'a chain other than eth or sol is rejected',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_RejectsInvalidChain',
    setup: [user(1)],
    block: link(1, { wallet: '0xassoc1', chain: 'btc' }),
    outcomes: ['chain_invalid'],
  },
  {
    name: 'a link without a proof is rejected',
    from: 'go:associated_wallet_test.go TestAssociatedWalletCreate_RejectsMissingSig',
    setup: [user(1)],
    block: link(1, { wallet: '0xassoc1', chain: 'eth' }),
    outcomes: ['wallet_signature_required'],
  },
  {
    name: 'a link signed by a stranger is rejected',
    from: 'py:entities/user.py add_associated_wallet (validate_signer)',
    setup: [user(1)],
    block: { ...link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }), signer: W(7) },
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'unlinking removes the active wallet',
    from: 'go:associated_wallet_test.go TestAssociatedWalletDelete_Success',
    setup: [user(1), link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) })],
    block: unlink(1, { wallet: k1.address }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'associated_wallets',
        where: { user_id: U(1), wallet: k1.address, is_current: true, is_delete: false },
        count: 0,
      },
    ],
  },
  {
    name: 'a wallet unlinked and linked again is one row, current again',
    from: 'go:associated_wallet.go (exclusive ownership; production unique_user_wallet_chain)',
    setup: [
      user(1),
      link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }),
      unlink(1, { wallet: k1.address }),
    ],
    block: link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }),
    outcomes: ['applied'],
    rows: [
      { table: 'associated_wallets', where: { user_id: U(1), wallet: k1.address }, count: 1 },
      {
        table: 'associated_wallets',
        where: { user_id: U(1), wallet: k1.address },
        equals: { is_current: true, is_delete: false },
      },
    ],
  },
  {
    name: 'linking a linked wallet again keeps one current row',
    from: 'py:entities/user.py add_associated_wallet (no new row when the wallet exists)',
    setup: [user(1), link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) })],
    block: link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }),
    outcomes: ['applied'],
    rows: [{ table: 'associated_wallets', where: { user_id: U(1), wallet: k1.address }, count: 1 }],
  },
  {
    name: 'unlinking a wallet that is not linked is rejected',
    from: 'go:associated_wallet_test.go TestAssociatedWalletDelete_RejectsNonexistent',
    setup: [user(1)],
    block: unlink(1, { wallet: '0xnotlinked' }),
    outcomes: ['wallet_not_linked'],
  },
  {
    name: 'a wallet linked by a second user leaves the first',
    from: 'go:associated_wallet.go (exclusive ownership per chain)',
    setup: [
      [user(1), user(2)],
      link(1, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }),
    ],
    block: link(2, { wallet: k1.address, chain: 'eth', wallet_signature: ethProof(k1) }),
    outcomes: ['applied'],
    rows: [
      { table: 'associated_wallets', where: { wallet: k1.address, is_current: true }, count: 1 },
      {
        table: 'associated_wallets',
        where: { wallet: k1.address, is_current: true },
        equals: { user_id: U(2) },
      },
    ],
  },
  {
    name: 'a migrated wallet links without a proof (the source keeps none) and carries is_delete',
    from: 'go:migration.go migratedAssociatedWalletCreate',
    setup: [user(1)],
    block: migrated(link(1, { wallet: k3.address, chain: 'eth', is_delete: true })),
    outcomes: ['applied'],
    rows: [
      {
        table: 'associated_wallets',
        where: { user_id: U(1), wallet: k3.address },
        equals: { is_delete: true },
      },
    ],
  },
  {
    name: 'a migrated wallet still needs its owner as signer',
    from: 'go:migration.go migratedAssociatedWalletCreate (ValidateSigner kept)',
    setup: [user(1)],
    block: { ...migrated(link(1, { wallet: k3.address, chain: 'eth' })), signer: W(7) },
    outcomes: ['signer_not_authorized'],
  },

  // --- DashboardWalletUser ---
  {
    name: 'a dashboard wallet is assigned with its own proof',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletCreate_Success',
    setup: [user(1)],
    block: dash(1, 'Create', {
      wallet: k2.address.toUpperCase().replace('0X', '0x'),
      wallet_signature: ethProof(k2, MSG),
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'dashboard_wallet_users',
        where: { wallet: k2.address },
        equals: { user_id: U(1), is_delete: false },
      },
    ],
  },
  {
    name: 'an assignment without the wallet is rejected',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletCreate_RejectsMissingWallet',
    setup: [user(1)],
    block: dash(1, 'Create', {}),
    outcomes: ['wallet_required'],
  },
  {
    name: 'an assignment without a signature is rejected',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletCreate_RejectsMissingSig',
    setup: [user(1)],
    block: dash(1, 'Create', { wallet: '0xdashboard1' }),
    outcomes: ['wallet_signature_required'],
  },
  {
    name: 'a wallet_signature not made by the dashboard wallet is rejected',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletCreate_RejectsInvalidSig',
    setup: [user(1)],
    block: dash(1, 'Create', { wallet: k2.address, wallet_signature: ethProof(k1, MSG) }),
    outcomes: ['wallet_signature_invalid'],
  },
  {
    name: 'assigning an assigned dashboard wallet is rejected',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletCreate_RejectsDuplicate',
    setup: [user(1), dash(1, 'Create', { wallet: k2.address, wallet_signature: ethProof(k2, MSG) })],
    block: dash(1, 'Create', { wallet: k2.address, wallet_signature: ethProof(k2, MSG) }),
    outcomes: ['dashboard_wallet_assigned'],
  },
  {
    name: 'unassigning marks the row deleted',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletDelete_Success',
    setup: [user(1), dash(1, 'Create', { wallet: k2.address, wallet_signature: ethProof(k2, MSG) })],
    block: dash(1, 'Delete', { wallet: k2.address }),
    outcomes: ['applied'],
    rows: [{ table: 'dashboard_wallet_users', where: { wallet: k2.address }, equals: { is_delete: true } }],
  },
  {
    name: 'unassigning an unknown dashboard wallet is rejected',
    from: 'go:dashboard_wallet_test.go TestDashboardWalletDelete_RejectsNonexistent',
    setup: [user(1)],
    block: dash(1, 'Delete', { wallet: '0xnotfound' }),
    outcomes: ['dashboard_wallet_not_found'],
  },
  {
    name: 'the dashboard wallet itself may unassign',
    from: 'go:dashboard_wallet.go (signer is the user or the dashboard wallet)',
    setup: [user(1), dash(1, 'Create', { wallet: k2.address, wallet_signature: ethProof(k2, MSG) })],
    block: dash(1, 'Delete', { wallet: k2.address }, k2.address),
    outcomes: ['applied'],
    rows: [{ table: 'dashboard_wallet_users', where: { wallet: k2.address }, equals: { is_delete: true } }],
  },
  {
    name: 'a migrated dashboard wallet needs no proof and carries is_delete',
    from: 'go:migration.go migratedDashboardWalletCreate',
    setup: [user(1)],
    block: migrated(dash(1, 'Create', { wallet: k3.address, is_delete: true })),
    outcomes: ['applied'],
    rows: [
      {
        table: 'dashboard_wallet_users',
        where: { wallet: k3.address },
        equals: { is_delete: true, user_id: U(1) },
      },
    ],
  },
];

parityCases('wallet', cases);
