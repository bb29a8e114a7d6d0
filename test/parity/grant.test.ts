// Grant/Create, Delete (revoke), Approve, Reject and the grant-based signer authorization they feed
// (grant_test.go), plus the genesis-migration approval state (migration_state_test.go).
import { type ParityCase, parityCases } from './support.js';
import { app, appAddress, grant, migrated, tx, U, user, W } from './support-accounts.js';

const g = (grantee: string, grantor: number) => ({
  grantee_address: grantee,
  user_id: U(grantor),
  is_current: true,
});
const answer = (action: 'Approve' | 'Reject', grantee: number, grantor: number) =>
  tx(grantee, 'Grant', 0, action, { grantee_address: W(grantee), grantor_user_id: U(grantor) });
const revoke = (grantor: number, grantee: string, signer?: string) =>
  tx(grantor, 'Grant', 0, 'Delete', { grantee_address: grantee }, signer);
const APP = appAddress(1);
const APP_B = appAddress(2);
const TARGET = appAddress(9);

const cases: ParityCase[] = [
  {
    name: 'a grant to a developer app is approved at once',
    from: 'go:grant_test.go TestGrantCreate_Success_AppGrant',
    setup: [user(1), app(1, APP)],
    block: grant(1, APP),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(APP, 1), equals: { is_revoked: false, is_approved: true } }],
  },
  {
    name: 'a grant to a user (manager) waits for approval',
    from: 'go:grant_test.go TestGrantCreate_Success_UserGrant',
    setup: [[user(1), user(2)]],
    block: grant(1, W(2)),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_revoked: false, is_approved: null } }],
  },
  {
    name: 'a second active grant to the same grantee is rejected',
    from: 'go:grant_test.go TestGrantCreate_RejectsDuplicate',
    setup: [user(1), app(1, APP), grant(1, APP)],
    block: grant(1, APP),
    outcomes: ['grant_exists'],
  },
  {
    name: 'a grantee that is neither an app nor a user wallet is rejected',
    from: 'go:grant_test.go TestGrantCreate_RejectsUnknownGrantee',
    setup: [user(1)],
    block: grant(1, '0x0000000000000000000000000000000000n0b0d1'),
    outcomes: ['grantee_invalid'],
  },
  {
    name: 'a grant to a deactivated user is rejected',
    from: 'py:entities/grant.py validate_grant_tx (grantee user is_deactivated)',
    setup: [[user(1), user(2)], tx(2, 'User', U(2), 'Update', { is_deactivated: true })],
    block: grant(1, W(2)),
    outcomes: ['grantee_invalid'],
  },
  {
    name: 'a grant to a deleted developer app is rejected',
    from: 'py:entities/grant.py validate_grant_tx (developer app is_delete)',
    setup: [user(1), app(1, APP), tx(1, 'DeveloperApp', 0, 'Delete', { address: APP })],
    block: grant(1, APP),
    outcomes: ['grantee_invalid'],
  },
  {
    name: 'a grant without grantee_address is rejected',
    from: 'py:entities/grant.py validate_grant_tx (grantee address is required)',
    setup: [user(1)],
    block: tx(1, 'Grant', 0, 'Create', {}),
    outcomes: ['grantee_required'],
  },
  {
    name: 'the grantor revokes an app grant',
    from: 'go:grant_test.go TestGrantDelete_Success',
    setup: [user(1), app(1, APP), grant(1, APP)],
    block: revoke(1, APP),
    outcomes: ['applied'],
    rows: [
      { table: 'grants', where: g(APP, 1), equals: { is_revoked: true, is_approved: true } },
      { table: 'grants', where: { grantee_address: APP, user_id: U(1) }, count: 2 },
    ],
  },
  {
    name: 'the grantee revokes its own (still pending) manager grant',
    from: 'go:grant_test.go TestGrantDelete_GranteeCanRevokeOwnUserGrant',
    setup: [[user(1), user(2)], grant(1, W(2))],
    block: revoke(1, W(2), W(2)),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_revoked: true, is_approved: null } }],
  },
  {
    name: 'a third party cannot revoke the grant',
    from: 'go:grant_test.go TestGrantDelete_RejectsUnauthorizedSigner',
    setup: [[user(1), user(2), user(3)], grant(1, W(2))],
    block: revoke(1, W(2), W(3)),
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'revoking a grant that does not exist is rejected',
    from: 'go:grant_test.go TestGrantDelete_RejectsNoActiveGrant',
    setup: [user(1)],
    block: revoke(1, '0x00000000000000000000000000000000000e0e0e'),
    outcomes: ['grant_not_found'],
  },
  {
    name: 'revoking twice is rejected',
    from: 'py:entities/grant.py validate_grant_tx (grant is already revoked)',
    setup: [user(1), app(1, APP), grant(1, APP), revoke(1, APP)],
    block: revoke(1, APP),
    outcomes: ['grant_not_found'],
  },
  {
    name: 'the grantee approves a manager grant',
    from: 'go:grant_test.go TestGrantApprove_Success',
    setup: [[user(1), user(2)], grant(1, W(2))],
    block: answer('Approve', 2, 1),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: true, is_revoked: false } }],
  },
  {
    name: 'the grantee rejects a manager grant',
    from: 'go:grant_test.go TestGrantReject_Success',
    setup: [[user(1), user(2)], grant(1, W(2))],
    block: answer('Reject', 2, 1),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: false, is_revoked: true } }],
  },
  {
    name: 'approving an approved grant is rejected',
    from: 'go:grant_revoke.go validateGrantApprove (already approved)',
    setup: [[user(1), user(2)], grant(1, W(2)), answer('Approve', 2, 1)],
    block: answer('Approve', 2, 1),
    outcomes: ['grant_already_approved'],
  },
  {
    name: 'approving a revoked grant is rejected',
    from: 'go:grant_revoke.go validateGrantApprove (already revoked)',
    setup: [[user(1), user(2)], grant(1, W(2)), revoke(1, W(2))],
    block: answer('Approve', 2, 1),
    outcomes: ['grant_revoked'],
  },
  {
    name: 'an approval without grantor_user_id is rejected',
    from: 'go:grant_revoke.go validateGrantApprove (grantor_user_id required)',
    setup: [[user(1), user(2)], grant(1, W(2))],
    block: tx(2, 'Grant', 0, 'Approve', { grantee_address: W(2) }),
    outcomes: ['grantor_required'],
  },
  {
    name: 'a grantor_user_id past int4 is a reasoned rejection',
    from: 'go:grant_revoke.go MetadataInt64("grantor_user_id") (issue 18: ids inside metadata past int4)',
    setup: [[user(1), user(2)], grant(1, W(2))],
    block: tx(2, 'Grant', 0, 'Approve', { grantee_address: W(2), grantor_user_id: 2 ** 40 }),
    outcomes: ['metadata_id_invalid'],
  },
  {
    name: 'an app holding a grant acts for the user (creates a second grant)',
    from: 'go:grant_test.go TestValidateSigner_AppGrant_Allows',
    setup: [user(1), [app(1, APP), app(1, APP_B)], grant(1, APP)],
    block: grant(1, APP_B, APP),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(APP_B, 1), equals: { is_revoked: false } }],
  },
  {
    name: 'a manager whose grant is not approved cannot act',
    from: 'go:grant_test.go TestValidateSigner_UserGrant_Unapproved_Rejects',
    setup: [[user(1), user(2)], app(1, TARGET), grant(1, W(2))],
    block: grant(1, TARGET, W(2)),
    outcomes: ['grant_not_approved'],
  },
  {
    name: 'an approved manager acts for the user',
    from: 'go:grant_test.go TestValidateSigner_UserGrant_Approved_Allows',
    setup: [[user(1), user(2)], app(1, TARGET), grant(1, W(2)), answer('Approve', 2, 1)],
    block: grant(1, TARGET, W(2)),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(TARGET, 1), equals: { is_approved: true } }],
  },
  {
    name: 'a revoked grant no longer authorizes',
    from: 'go:grant_test.go TestValidateSigner_RevokedGrant_Rejects',
    setup: [user(1), [app(1, APP), app(1, TARGET)], grant(1, APP), revoke(1, APP)],
    block: grant(1, TARGET, APP),
    outcomes: ['grant_revoked'],
  },
  {
    name: 'a signer with no grant is not authorized',
    from: 'go:grant_test.go TestValidateSigner_NoGrant_Rejects',
    setup: [user(1), app(1, TARGET)],
    block: grant(1, TARGET, '0x0000000000000000000000000000000005742a9e'),
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'a deactivated manager is no longer a valid grantee',
    from: 'go:grant_test.go TestValidateSigner_GranteeDeactivated_Rejects',
    setup: [
      [user(1), user(2)],
      app(1, TARGET),
      grant(1, W(2)),
      answer('Approve', 2, 1),
      tx(2, 'User', U(2), 'Update', { is_deactivated: true }),
    ],
    block: grant(1, TARGET, W(2)),
    outcomes: ['grantee_invalid'],
  },
  {
    name: 'a live Create ignores is_approved/is_revoked in metadata',
    from: 'go:migration_state_test.go TestProductionInsertGrant_IgnoresApprovalMetadata',
    setup: [[user(1), user(2)]],
    block: tx(1, 'Grant', 0, 'Create', { grantee_address: W(2), is_approved: true, is_revoked: true }),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: null, is_revoked: false } }],
  },
  {
    name: 'a migrated grant carries an approved manager grant',
    from: 'go:migration_state_test.go TestMigratedGrantCreate_PipesApproval/approved manager grant',
    setup: [[user(1), user(2)]],
    block: migrated(
      tx(1, 'Grant', 0, 'Create', { grantee_address: W(2), is_revoked: false, is_approved: true }),
    ),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: true, is_revoked: false } }],
  },
  {
    name: 'a migrated grant carries approved-then-revoked',
    from: 'go:migration_state_test.go TestMigratedGrantCreate_PipesApproval/approved then revoked',
    setup: [[user(1), user(2)]],
    block: migrated(
      tx(1, 'Grant', 0, 'Create', { grantee_address: W(2), is_revoked: true, is_approved: true }),
    ),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: true, is_revoked: true } }],
  },
  {
    name: 'a migrated grant carries a rejection (is_approved false is not absent)',
    from: 'go:migration_state_test.go TestMigratedGrantCreate_PipesApproval/rejected',
    setup: [[user(1), user(2)]],
    block: migrated(
      tx(1, 'Grant', 0, 'Create', { grantee_address: W(2), is_revoked: true, is_approved: false }),
    ),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: false, is_revoked: true } }],
  },
  {
    name: 'a migrated grant without is_approved keeps the derivation',
    from: 'go:migration_state_test.go TestMigratedGrantCreate_PipesApproval/absent',
    setup: [[user(1), user(2)]],
    block: migrated(tx(1, 'Grant', 0, 'Create', { grantee_address: W(2), is_revoked: false })),
    outcomes: ['applied'],
    rows: [{ table: 'grants', where: g(W(2), 1), equals: { is_approved: null, is_revoked: false } }],
  },
  {
    name: 'a migrated grant still needs the grantor (or its delegate) as signer',
    from: 'go:migration.go migratedGrantCreate (no checks at all)',
    setup: [[user(1), user(2)]],
    block: migrated(tx(1, 'Grant', 0, 'Create', { grantee_address: W(2), is_approved: true }, W(2))),
    outcomes: ['signer_not_authorized'],
    difference: 'genesis DeveloperApp/Create and Grant/Create checks (docs/parity-accounts.md)',
  },
];

parityCases('grant', cases);
