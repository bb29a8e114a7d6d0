// Dispatch-level behaviour from handler_test.go and post_hook_test.go, seen from the chain: an unroutable tx
// is recorded as such, the wildcard routes, and the user_events post-hook runs only after a successful
// User handler.
import { type ParityCase, parityCases } from './support.js';
import { tx, U, user } from './support-accounts.js';

const cases: ParityCase[] = [
  {
    name: 'a tx with no handler is recorded unrouted, not applied',
    from: 'go:handler_test.go TestDispatcher_NoHandler',
    setup: [user(1)],
    block: tx(1, 'Frobnicator', 1, 'Create', {}),
    outcomes: ['unrouted'],
  },
  {
    name: 'a handler registered on the wildcard entity type still routes',
    from: 'go:handler_test.go TestDispatcher_NoHandler_WildcardStillRoutes',
    setup: [[user(1), user(2)]],
    block: tx(1, 'User', U(2), 'Follow'),
    outcomes: ['applied'],
    rows: [
      {
        table: 'follows',
        where: { follower_user_id: U(1), followee_user_id: U(2), is_current: true },
        equals: { is_delete: false },
      },
    ],
  },
  {
    name: 'a handler rejection is recorded with its reason',
    from: 'go:handler_test.go TestDispatcher_ValidationError',
    setup: [user(1)],
    block: user(1),
    outcomes: ['user_exists'],
  },
  {
    name: 'the post-hook runs after a successful User/Create',
    from: 'go:post_hook_test.go TestDispatcher_PostHook_FiresAfterSuccessfulHandle',
    block: user(1, { events: { is_mobile_user: true } }),
    outcomes: ['applied'],
    rows: [
      { table: 'user_events', where: { user_id: U(1), is_current: true }, equals: { is_mobile_user: true } },
    ],
  },
  {
    name: 'the post-hook does not run when the handler rejects',
    from: 'go:post_hook_test.go TestDispatcher_PostHook_SkippedOnHandlerError',
    setup: [user(1)],
    block: {
      ...user(1, { events: { is_mobile_user: true } }),
      signer: '0x00000000000000000000000000000000000fe999',
    },
    outcomes: ['user_exists'],
    rows: [{ table: 'user_events', where: { user_id: U(1) }, count: 0 }],
  },
  {
    name: 'the post-hook also runs on User/Update (its own registration), and a referrer is kept',
    from: 'go:post_hook_test.go TestDispatcher_PostHook_DoesNotFireForOtherActions (hooks are per key)',
    setup: [[user(1), user(2)]],
    block: tx(2, 'User', U(2), 'Update', { events: { referrer: U(1) } }),
    outcomes: ['applied'],
    rows: [{ table: 'user_events', where: { user_id: U(2), is_current: true }, equals: { referrer: U(1) } }],
  },
  {
    name: 'no post-hook runs for an unrouted tx',
    from: 'go:post_hook_test.go TestDispatcher_PostHook_NoHandlerNoHook',
    block: {
      user: U(1),
      type: 'Users',
      id: U(1),
      action: 'Create',
      metadata: { handle: 'u1', events: { is_mobile_user: true } },
    },
    outcomes: ['unrouted'],
    rows: [{ table: 'user_events', where: { user_id: U(1) }, count: 0 }],
  },
  {
    name: 'a malformed events object is ignored, the User tx still applies',
    from: 'go:post_hook_test.go TestDispatcher_PostHook_ErrorIsLoggedButSwallowed',
    block: user(1, { events: 'not an object' }),
    outcomes: ['applied'],
    rows: [
      { table: 'users', where: { user_id: U(1), is_current: true }, count: 1 },
      { table: 'user_events', where: { user_id: U(1) }, count: 0 },
    ],
  },
];

parityCases('framework', cases);
