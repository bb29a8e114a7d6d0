// Follow / Unfollow (wildcard handlers), translated from the Go ETL's social_follow_test.go.

import { type ParityCase, parityCases, userCreate } from './support.js';
import { seedEvent, socialTx, U } from './support-content.js';

const F = 'go:social_follow_test.go';
const a = U(1);
const b = U(2);
const pair = [[userCreate(a), userCreate(b)]];
const follow = (user = a, id = b) => socialTx(user, 'User', id, 'Follow');
const unfollow = (user = a, id = b) => socialTx(user, 'User', id, 'Unfollow');
const followRow = {
  table: 'follows' as const,
  where: { follower_user_id: a, followee_user_id: b, is_current: true },
};
const sub = (subscriber: number, target: number, entity_type: string) => ({
  table: 'subscriptions' as const,
  where: { subscriber_id: subscriber, user_id: target, entity_type, is_current: true },
});

const cases: ParityCase[] = [
  {
    name: 'a follow is stored and implies a User subscription',
    from: `${F} TestFollow_Success`,
    setup: pair,
    block: follow(),
    outcomes: ['applied'],
    rows: [
      { ...followRow, equals: { is_delete: false } },
      { ...sub(a, b, 'User'), equals: { is_delete: false, entity_id: null } },
    ],
  },
  {
    name: 'a user cannot follow themselves',
    from: `${F} TestFollow_RejectsSelfFollow`,
    setup: [userCreate(a)],
    block: follow(a, a),
    outcomes: ['self_action'],
  },
  {
    name: 'the followee must exist',
    from: `${F} TestFollow_RejectsNonexistentFollowee`,
    setup: [userCreate(a)],
    block: follow(a, U(999)),
    outcomes: ['target_not_found'],
  },
  {
    name: 'a second follow is rejected',
    from: `${F} TestFollow_RejectsDuplicate`,
    setup: [...pair, follow()],
    block: follow(),
    outcomes: ['already_following'],
  },
  {
    name: 'an unfollow tombstones the follow and its subscription',
    from: `${F} TestUnfollow_Success`,
    setup: [...pair, follow()],
    block: unfollow(),
    outcomes: ['applied'],
    rows: [
      { ...followRow, equals: { is_delete: true } },
      { table: 'follows', where: { follower_user_id: a, followee_user_id: b }, count: 1 },
      { ...sub(a, b, 'User'), equals: { is_delete: true } },
    ],
  },
  {
    name: 'an unfollow without an active follow is rejected',
    from: `${F} TestUnfollow_RejectsNoActiveFollow`,
    setup: pair,
    block: unfollow(),
    outcomes: ['not_following'],
  },
  {
    name: "the follow's subscription never lands on an Event subscription with the same id",
    from: `${F} TestFollow_AutoSubscribeIgnoresCollidingEventSubscription`,
    setup: [
      [userCreate(U(40)), userCreate(U(41)), userCreate(U(42)), seedEvent(U(41), U(42))],
      socialTx(U(40), 'Event', U(41), 'Subscribe'),
      socialTx(U(40), 'User', U(41), 'Follow'),
    ],
    block: socialTx(U(40), 'User', U(41), 'Unfollow'),
    outcomes: ['applied'],
    rows: [
      { ...sub(U(40), U(41), 'User'), equals: { is_delete: true } },
      { ...sub(U(40), U(41), 'Event'), equals: { is_delete: false, entity_id: U(41) } },
    ],
  },
  {
    name: 'a follow and its re-follow keep one current row',
    from: 'go:social_follow.go (upsert on the current row, #331)',
    setup: [...pair, follow(), unfollow()],
    block: follow(),
    outcomes: ['applied'],
    rows: [
      { ...followRow, equals: { is_delete: false } },
      { table: 'follows', where: { follower_user_id: a, followee_user_id: b }, count: 1 },
      { ...sub(a, b, 'User'), equals: { is_delete: false } },
    ],
  },
  {
    name: 'a genesis-migration follow writes no implied subscription',
    from: 'go:migration.go (migrated Follow, #473)',
    setup: pair,
    block: { ...follow(), migration: true },
    outcomes: ['applied'],
    rows: [
      { ...followRow, equals: { is_delete: false } },
      { table: 'subscriptions', where: { subscriber_id: a }, count: 0 },
    ],
  },
  {
    name: 'a follow signed by a stranger is rejected',
    from: 'go:validate.go ValidateSigner',
    setup: pair,
    block: { ...follow(), signer: b },
    outcomes: ['signer_not_authorized'],
  },
];

parityCases('follow', cases);
