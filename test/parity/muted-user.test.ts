// MutedUser:Mute/Unmute (muted_user_test.go, the newest upstream spelling) and the legacy User:Mute/Unmute
// (muted_user.py), both routed to the same handlers.
import { type ParityCase, parityCases } from './support.js';
import { tx, U, user } from './support-accounts.js';

const muted = (by: number, target: number) => ({ user_id: U(by), muted_user_id: U(target) });

const cases: ParityCase[] = [
  {
    name: 'MutedUser/Mute writes an active mute',
    from: 'go:muted_user_test.go TestMuteUser_Success',
    setup: [[user(1), user(2)]],
    block: tx(1, 'MutedUser', U(2), 'Mute', {}),
    outcomes: ['applied'],
    rows: [{ table: 'muted_users', where: muted(1, 2), equals: { is_delete: false } }],
  },
  {
    name: 'MutedUser/Mute rejects a self-mute',
    from: 'go:muted_user_test.go TestMuteUser_RejectsSelfMute',
    setup: [user(1)],
    block: tx(1, 'MutedUser', U(1), 'Mute', {}),
    outcomes: ['self_action'],
  },
  {
    name: 'MutedUser/Mute rejects a target that does not exist',
    from: 'go:muted_user_test.go TestMuteUser_RejectsNonexistentTarget',
    setup: [user(1)],
    block: tx(1, 'MutedUser', U(999), 'Mute', {}),
    outcomes: ['target_not_found'],
  },
  {
    name: 'MutedUser/Mute rejects a second mute',
    from: 'go:muted_user_test.go TestMuteUser_RejectsDuplicate',
    setup: [[user(1), user(2)], tx(1, 'MutedUser', U(2), 'Mute', {})],
    block: tx(1, 'MutedUser', U(2), 'Mute', {}),
    outcomes: ['already_muted'],
  },
  {
    name: 'MutedUser/Unmute soft-deletes the mute',
    from: 'go:muted_user_test.go TestUnmuteUser_Success',
    setup: [[user(1), user(2)], tx(1, 'MutedUser', U(2), 'Mute', {})],
    block: tx(1, 'MutedUser', U(2), 'Unmute', {}),
    outcomes: ['applied'],
    rows: [{ table: 'muted_users', where: muted(1, 2), equals: { is_delete: true } }],
  },
  {
    name: 'MutedUser/Unmute rejects when there is no active mute',
    from: 'go:muted_user_test.go TestUnmuteUser_RejectsNoActiveMute',
    setup: [[user(1), user(2)]],
    block: tx(1, 'MutedUser', U(2), 'Unmute', {}),
    outcomes: ['not_muted'],
  },
  {
    name: 'a mute needs the muter’s signer',
    from: 'py:entities/muted_user.py validate_mute_user_tx (validate_signer)',
    setup: [[user(1), user(2)]],
    block: tx(1, 'MutedUser', U(2), 'Mute', {}, '0x00000000000000000000000000000000000bad00'),
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'the legacy User/Mute spelling writes the same row, and MutedUser/Unmute undoes it',
    from: 'py:entities/muted_user.py mute_user (EntityType.USER, Action.MUTE)',
    setup: [[user(1), user(2)], tx(1, 'User', U(2), 'Mute', {})],
    block: tx(1, 'MutedUser', U(2), 'Unmute', {}),
    outcomes: ['applied'],
    rows: [{ table: 'muted_users', where: muted(1, 2), equals: { is_delete: true } }],
  },
  {
    name: 'mute, unmute and mute again in one block toggle one row',
    from: 'py:entities/muted_user.py (existing record is updated, not duplicated)',
    setup: [[user(1), user(2)]],
    block: [
      tx(1, 'MutedUser', U(2), 'Mute', {}),
      tx(1, 'MutedUser', U(2), 'Unmute', {}),
      tx(1, 'User', U(2), 'Mute', {}),
    ],
    outcomes: ['applied', 'applied', 'applied'],
    rows: [{ table: 'muted_users', where: muted(1, 2), equals: { is_delete: false } }],
  },
];

parityCases('muted-user', cases);
