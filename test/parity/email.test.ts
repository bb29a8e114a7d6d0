// EncryptedEmail/AddEmail and EmailAccess/Update (email_test.go, email_is_initial_test.go; email.py).
import { type ParityCase, parityCases } from './support.js';
import { tx, U, user } from './support-accounts.js';

const access = (receiving: number, grantor: number, key: string, extra: Record<string, unknown> = {}) => ({
  receiving_user_id: U(receiving),
  grantor_user_id: U(grantor),
  encrypted_key: key,
  ...extra,
});
const addEmail = (owner: number, metadata: Record<string, unknown>) =>
  tx(owner, 'EncryptedEmail', U(owner), 'AddEmail', { email_owner_user_id: U(owner), ...metadata });
const withAccess = (by: number, owner: number, grants: unknown[]) =>
  tx(by, 'EmailAccess', U(owner), 'Update', { email_owner_user_id: U(owner), access_grants: grants });
const count = (owner: number) =>
  `SELECT count(*)::int AS n FROM email_access WHERE email_owner_user_id = ${U(owner)}`;

const cases: ParityCase[] = [
  {
    name: 'AddEmail stores the ciphertext and its first grant',
    from: 'go:email_test.go TestEncryptedEmailCreate_Success',
    setup: [user(1)],
    block: addEmail(1, { encrypted_email: 'encrypted-data-here', access_grants: [access(1, 1, 'key1')] }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'encrypted_emails',
        where: { email_owner_user_id: U(1) },
        equals: { encrypted_email: 'encrypted-data-here' },
      },
    ],
    queries: [{ query: count(1), rows: [{ n: 1 }] }],
  },
  {
    name: 'a second AddEmail is a silent no-op',
    from: 'go:email_test.go TestEncryptedEmailCreate_SkipsDuplicate',
    setup: [user(1), addEmail(1, { encrypted_email: 'first', access_grants: [] })],
    block: addEmail(1, { encrypted_email: 'second', access_grants: [] }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'encrypted_emails',
        where: { email_owner_user_id: U(1) },
        equals: { encrypted_email: 'first' },
      },
    ],
  },
  {
    name: 'the owner grants access on',
    from: 'go:email_test.go TestEmailAccessUpdate_Success',
    setup: [[user(1), user(2)], addEmail(1, { encrypted_email: 'x', access_grants: [access(1, 1, 'key1')] })],
    block: withAccess(1, 1, [access(2, 1, 'key2')]),
    outcomes: ['applied'],
    queries: [{ query: count(1), rows: [{ n: 2 }] }],
  },
  {
    name: 'AddEmail without the owner is rejected',
    from: 'go:email_test.go TestEncryptedEmailCreate_RejectsMissingFields/email_owner_user_id',
    setup: [user(1)],
    block: tx(1, 'EncryptedEmail', U(1), 'AddEmail', { encrypted_email: 'x', access_grants: [] }),
    outcomes: ['email_owner_required'],
  },
  {
    name: 'AddEmail without the ciphertext is rejected',
    from: 'go:email_test.go TestEncryptedEmailCreate_RejectsMissingFields/encrypted_email',
    setup: [user(1)],
    block: addEmail(1, { access_grants: [] }),
    outcomes: ['encrypted_email_required'],
  },
  {
    name: 'AddEmail without access_grants is rejected',
    from: 'go:email_test.go TestEncryptedEmailCreate_RejectsMissingFields/access_grants',
    setup: [user(1)],
    block: addEmail(1, { encrypted_email: 'x' }),
    outcomes: ['access_grants_invalid'],
  },
  {
    name: 'a grant without encrypted_key is rejected',
    from: 'go:email_test.go TestEncryptedEmailCreate_RejectsMalformedGrant',
    setup: [user(1)],
    block: addEmail(1, {
      encrypted_email: 'x',
      access_grants: [{ receiving_user_id: U(1), grantor_user_id: U(1) }],
    }),
    outcomes: ['access_grants_invalid'],
  },
  {
    name: 'a grantor without access cannot grant it',
    from: 'go:email_test.go TestEmailAccessUpdate_RejectsUnauthorizedGrantor',
    setup: [
      [user(1), user(2), user(3)],
      addEmail(1, { encrypted_email: 'x', access_grants: [access(1, 1, 'key1')] }),
    ],
    block: withAccess(3, 1, [access(2, 3, 'key2')]),
    outcomes: ['grantor_without_access'],
  },
  {
    name: 'is_initial replays as sent (true, false, absent = false)',
    from: 'go:email_is_initial_test.go TestEncryptedEmailCreate_ReplaysIsInitial',
    setup: [[user(771), user(772), user(773)]],
    block: addEmail(771, {
      encrypted_email: 'cipher',
      access_grants: [
        access(771, 771, 'k-backfilled', { is_initial: true }),
        access(772, 771, 'k-live', { is_initial: false }),
        access(773, 772, 'k-absent'),
      ],
    }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'email_access',
        where: { receiving_user_id: U(771), grantor_user_id: U(771) },
        equals: { is_initial: true },
      },
      {
        table: 'email_access',
        where: { receiving_user_id: U(772), grantor_user_id: U(771) },
        equals: { is_initial: false },
      },
      {
        table: 'email_access',
        where: { receiving_user_id: U(773), grantor_user_id: U(772) },
        equals: { is_initial: false },
      },
    ],
  },
  {
    name: 'a grantor_user_id past int4 is a reasoned rejection',
    from: 'go:email.go access grant ids (issue 18: ids inside metadata past int4)',
    setup: [user(1)],
    block: addEmail(1, {
      encrypted_email: 'x',
      access_grants: [{ receiving_user_id: U(1), grantor_user_id: 2 ** 33, encrypted_key: 'k' }],
    }),
    outcomes: ['metadata_id_invalid'],
  },
  {
    name: 'an update with one unauthorized grant writes none of them',
    from: 'go:email.go updateEmailAccess (a VE after the first grant keeps it)',
    setup: [
      [user(1), user(2), user(3)],
      addEmail(1, { encrypted_email: 'x', access_grants: [access(1, 1, 'key1')] }),
    ],
    block: withAccess(1, 1, [access(2, 1, 'ok'), access(3, 3, 'bad')]),
    outcomes: ['grantor_without_access'],
    difference: 'EmailAccess/Update partial writes (docs/parity.md part 2)',
  },
];

parityCases('email', cases);
