// Subscribe / Unsubscribe (wildcard handlers) for users and remix-contest events, and the contest
// auto-subscribe on a remix upload: social_subscription_test.go and track_contest_subscribe_test.go.

import { type ParityCase, parityCases, userCreate } from './support.js';
import {
  contestCreate,
  seedEvent,
  seedTrack,
  seedUser,
  socialTx,
  T,
  trackCreate,
  U,
} from './support-content.js';

const S = 'go:social_subscription_test.go';
const a = U(1);
const b = U(2);
const pair = [[userCreate(a), userCreate(b)]];
const subscribe = (type: string, user: number, id: number) => socialTx(user, type, id, 'Subscribe');
const unsubscribe = (type: string, user: number, id: number) => socialTx(user, type, id, 'Unsubscribe');
const sub = (subscriber: number, target: number, entity_type: string) => ({
  table: 'subscriptions' as const,
  where: { subscriber_id: subscriber, user_id: target, entity_type, is_current: true },
});

/** seedRemixContestEvent: a live remix_contest created through Event/Create (host = id+1, track = id+2). */
const EVENT = 9_000_001;
const contest = [
  [seedUser(EVENT + 1, 'host'), seedTrack(EVENT + 2, EVENT + 1)],
  contestCreate(EVENT + 1, EVENT, EVENT + 2),
];

const subscriptions: ParityCase[] = [
  {
    name: 'a User subscription: entity_type User, entity_id NULL',
    from: `${S} TestSubscribe_Success`,
    setup: pair,
    block: subscribe('User', a, b),
    outcomes: ['applied'],
    rows: [{ ...sub(a, b, 'User'), equals: { is_delete: false, entity_id: null } }],
  },
  {
    name: 'an Event subscription mirrors the event id into user_id and entity_id',
    from: `${S} TestSubscribe_EventSuccess`,
    setup: [userCreate(a), ...contest],
    block: subscribe('Event', a, EVENT),
    outcomes: ['applied'],
    rows: [{ ...sub(a, EVENT, 'Event'), equals: { is_delete: false, entity_id: EVENT } }],
  },
  {
    name: 'an Event subscription to a missing event is rejected',
    from: `${S} TestSubscribe_RejectsNonexistentEvent`,
    setup: [userCreate(a)],
    block: subscribe('Event', a, 9_000_999),
    outcomes: ['event_not_found'],
  },
  {
    name: 'an Event subscription to a deleted event is rejected',
    from: 'go:event_queries.go eventExists (not deleted)',
    setup: [[userCreate(a), seedUser(U(50)), seedEvent(7004, U(50), { deleted: true })]],
    block: subscribe('Event', a, 7004),
    outcomes: ['event_not_found'],
  },
  {
    name: 'a second Event subscription is rejected',
    from: `${S} TestSubscribe_EventRejectsDuplicate`,
    setup: [[userCreate(U(13)), userCreate(U(14)), seedEvent(7003, U(14))], subscribe('Event', U(13), 7003)],
    block: subscribe('Event', U(13), 7003),
    outcomes: ['already_subscribed'],
  },
  {
    name: 'User and Event subscriptions with the same id coexist; unsubscribing the user leaves the event',
    from: `${S} TestSubscribe_UserAndEventWithSameIdCoexist`,
    setup: [
      [userCreate(U(30)), userCreate(U(31)), userCreate(U(32)), seedEvent(U(31), U(32))],
      subscribe('User', U(30), U(31)),
      subscribe('Event', U(30), U(31)),
    ],
    block: unsubscribe('User', U(30), U(31)),
    outcomes: ['applied'],
    rows: [
      { ...sub(U(30), U(31), 'User'), equals: { is_delete: true } },
      { ...sub(U(30), U(31), 'Event'), equals: { is_delete: false } },
    ],
  },
  {
    name: 'an Event whose id equals the subscriber id is not a self-subscription',
    from: 'go:social_subscription.go validateSubscribe (self guard only for User subscriptions)',
    setup: [[userCreate(U(33)), userCreate(U(34)), seedEvent(U(33), U(34))]],
    block: subscribe('Event', U(33), U(33)),
    outcomes: ['applied'],
    rows: [{ ...sub(U(33), U(33), 'Event'), count: 1 }],
  },
  {
    name: 'a user cannot subscribe to themselves',
    from: `${S} TestSubscribe_RejectsSelfSubscription`,
    setup: [userCreate(a)],
    block: subscribe('User', a, a),
    outcomes: ['self_action'],
  },
  {
    name: 'the target user must exist',
    from: `${S} TestSubscribe_RejectsNonexistentTarget`,
    setup: [userCreate(a)],
    block: subscribe('User', a, U(999)),
    outcomes: ['target_not_found'],
  },
  {
    name: 'a second User subscription is rejected',
    from: `${S} TestSubscribe_RejectsDuplicate`,
    setup: [...pair, subscribe('User', a, b)],
    block: subscribe('User', a, b),
    outcomes: ['already_subscribed'],
  },
  {
    name: 'an unsubscribe tombstones the row in place',
    from: `${S} TestUnsubscribe_Success`,
    setup: [...pair, subscribe('User', a, b)],
    block: unsubscribe('User', a, b),
    outcomes: ['applied'],
    rows: [
      { ...sub(a, b, 'User'), equals: { is_delete: true, entity_id: null } },
      { table: 'subscriptions', where: { subscriber_id: a, user_id: b }, count: 1 },
    ],
  },
  {
    name: 'an Event unsubscribe keeps entity_type Event on the tombstone',
    from: `${S} TestUnsubscribe_EventSuccess`,
    setup: [userCreate(a), ...contest, subscribe('Event', a, EVENT)],
    block: unsubscribe('Event', a, EVENT),
    outcomes: ['applied'],
    rows: [{ ...sub(a, EVENT, 'Event'), equals: { is_delete: true, entity_id: EVENT } }],
  },
  {
    name: 'an unsubscribe without an active subscription is rejected',
    from: `${S} TestUnsubscribe_RejectsNoActiveSubscription`,
    setup: pair,
    block: unsubscribe('User', a, b),
    outcomes: ['not_subscribed'],
  },
];

const C = 'go:track_contest_subscribe_test.go';
const host = U(100);
const parent = T(100);
const uploader = U(101);
const contestWorld = [
  [userCreate(host), userCreate(uploader), seedTrack(parent, host)],
  contestCreate(host, 500, parent),
];
const remixOf = { remix_of: { tracks: [{ parent_track_id: parent }] } };
const autoSubscribe: ParityCase[] = [
  {
    name: 'a remix of a contest track subscribes its uploader to the contest',
    from: `${C} TestAutoSubscribeOnRemixContestSubmission`,
    setup: contestWorld,
    block: trackCreate(uploader, T(200), { title: 'My Remix', ...remixOf }),
    outcomes: ['applied'],
    rows: [{ ...sub(uploader, 500, 'Event'), equals: { is_delete: false, entity_id: 500 } }],
    queries: [
      {
        query: `SELECT count(*)::int AS n FROM subscriptions WHERE subscriber_id = ${uploader} AND txhash LIKE 'auto_e%'`,
        rows: [{ n: 1 }],
      },
    ],
  },
  {
    name: 'the host remixing their own contest track is not subscribed',
    from: `${C} TestAutoSubscribe_SkipsWhenUploaderIsHost`,
    setup: contestWorld,
    block: trackCreate(host, T(211), { title: 'Host Remix', ...remixOf }),
    outcomes: ['applied'],
    rows: [{ table: 'subscriptions', where: { subscriber_id: host, entity_type: 'Event' }, count: 0 }],
  },
  {
    name: 'a remix of a track without a contest subscribes to nothing',
    from: `${C} TestAutoSubscribe_SkipsWhenNoActiveContest`,
    setup: [[userCreate(U(120)), userCreate(U(121)), seedTrack(T(120), U(120))]],
    block: trackCreate(U(121), T(220), {
      title: 'Casual Remix',
      remix_of: { tracks: [{ parent_track_id: T(120) }] },
    }),
    outcomes: ['applied'],
    rows: [{ table: 'subscriptions', where: { subscriber_id: U(121), entity_type: 'Event' }, count: 0 }],
  },
  {
    name: 'a second remix by the same uploader keeps one current Event subscription',
    from: `${C} TestAutoSubscribe_SkipsWhenAlreadySubscribed`,
    setup: [...contestWorld, trackCreate(uploader, T(230), { title: 'Remix 1', ...remixOf })],
    block: trackCreate(uploader, T(231), { title: 'Remix 2', ...remixOf }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'subscriptions',
        where: { subscriber_id: uploader, entity_type: 'Event', is_current: true, is_delete: false },
        count: 1,
      },
    ],
  },
];

parityCases('subscription', [...subscriptions, ...autoSubscribe]);
