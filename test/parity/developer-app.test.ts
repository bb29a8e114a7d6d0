// DeveloperApp Create/Update/Delete and its OAuth redirect URIs (developer_app_test.go,
// oauth_redirect_uris_test.go, parked_findings_test.go; developer_app.py where they are silent).
import { type ParityCase, parityCases } from './support.js';
import { app, appAddress, migrated, tx, U, user, W } from './support-accounts.js';

const A = appAddress(1);
const cur = (address: string) => ({ address, is_current: true });
const uris = (address: string) =>
  `SELECT redirect_uri FROM oauth_redirect_uris WHERE client_id = '${address}' ORDER BY redirect_uri`;
const update = (n: number, metadata: Record<string, unknown>) =>
  tx(n, 'DeveloperApp', 0, 'Update', { address: A, name: 'App', ...metadata });

const cases: ParityCase[] = [
  {
    name: 'Create without metadata is rejected',
    from: 'go:developer_app_test.go TestDeveloperAppCreate_StatelessValidation/missing metadata',
    setup: [user(1)],
    block: tx(1, 'DeveloperApp', 0, 'Create'),
    outcomes: ['metadata_required'],
  },
  {
    name: 'Create without a name is rejected',
    from: 'go:developer_app_test.go TestDeveloperAppCreate_StatelessValidation/missing name',
    setup: [user(1)],
    block: tx(1, 'DeveloperApp', 0, 'Create', { address: A }),
    outcomes: ['app_name_required'],
  },
  {
    name: 'Create with a name over 50 characters is rejected',
    from: 'go:developer_app_test.go TestDeveloperAppCreate_StatelessValidation/name too long',
    setup: [user(1)],
    block: app(1, A, { name: 'x'.repeat(51) }),
    outcomes: ['app_name_too_long'],
  },
  {
    name: 'Create with a description over 160 characters is rejected',
    from: 'go:developer_app_test.go TestDeveloperAppCreate_StatelessValidation/description too long',
    setup: [user(1)],
    block: app(1, A, { description: 'x'.repeat(161) }),
    outcomes: ['app_description_too_long'],
  },
  {
    name: 'Create stores the app',
    from: 'go:developer_app_test.go TestDeveloperAppCreate_Success',
    setup: [user(1)],
    block: app(1, A, { name: 'My App', description: 'A great app' }),
    outcomes: ['applied'],
    rows: [
      {
        table: 'developer_apps',
        where: cur(A),
        equals: { name: 'My App', description: 'A great app', user_id: U(1), is_delete: false },
      },
    ],
  },
  {
    name: 'Create of an existing app is rejected',
    from: 'go:developer_app_test.go TestDeveloperAppCreate_RejectsDuplicate',
    setup: [user(1), app(1, A)],
    block: app(1, A),
    outcomes: ['app_exists'],
  },
  {
    name: 'Create with a user wallet as address is rejected',
    from: 'go:developer_app_create.go (address is already a user wallet)',
    setup: [[user(1), user(2)]],
    block: app(1, W(2)),
    outcomes: ['app_address_is_user'],
  },
  {
    name: 'Create signed by a stranger is rejected',
    from: 'py:entities/developer_app.py validate_signer',
    setup: [user(1)],
    block: { ...app(1, A), signer: '0x0000000000000000000000000000000005742a9e' },
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'Update renames the app',
    from: 'go:developer_app_test.go TestDeveloperAppUpdate_Success',
    setup: [user(1), app(1, A, { name: 'Original' })],
    block: update(1, { name: 'Updated' }),
    outcomes: ['applied'],
    rows: [{ table: 'developer_apps', where: cur(A), equals: { name: 'Updated' } }],
  },
  {
    name: 'Update keeps the old row and appends one current row',
    from: 'go:developer_app_test.go TestDeveloperAppUpdate_RowVersioning',
    setup: [user(1), app(1, A, { name: 'V1' })],
    block: update(1, { name: 'V2' }),
    outcomes: ['applied'],
    rows: [
      { table: 'developer_apps', where: { address: A }, count: 2 },
      { table: 'developer_apps', where: cur(A), equals: { name: 'V2' } },
      { table: 'developer_apps', where: { address: A, is_current: false }, equals: { name: 'V1' } },
    ],
  },
  {
    name: 'Update by another user is rejected',
    from: 'go:developer_app_test.go TestDeveloperAppUpdate_RejectsWrongOwner',
    setup: [[user(1), user(2)], app(1, A, { name: 'Mine' })],
    block: update(2, { name: 'Stolen' }),
    outcomes: ['not_owner'],
  },
  {
    name: 'Update of an unknown app is rejected',
    from: 'go:developer_app_update.go (developer app does not exist)',
    setup: [user(1)],
    block: update(1, { name: 'x' }),
    outcomes: ['app_not_found'],
  },
  {
    name: 'Update without a name is rejected',
    from: 'go:developer_app_update.go (name is required for developer app)',
    setup: [user(1), app(1, A)],
    block: tx(1, 'DeveloperApp', 0, 'Update', { address: A, description: 'no name' }),
    outcomes: ['app_name_required'],
  },
  {
    name: 'Delete of an unknown app is rejected',
    from: 'go:developer_app_delete.go (developer app does not exist)',
    setup: [user(1)],
    block: tx(1, 'DeveloperApp', 0, 'Delete', { address: A }),
    outcomes: ['app_not_found'],
  },
  {
    name: 'Delete by another user is rejected',
    from: 'go:developer_app_delete.go (developer app does not match user)',
    setup: [[user(1), user(2)], app(1, A)],
    block: tx(2, 'DeveloperApp', 0, 'Delete', { address: A }),
    outcomes: ['not_owner'],
  },
  {
    name: 'Delete marks the current row deleted',
    from: 'go:developer_app_test.go TestDeveloperAppDelete_Success',
    setup: [user(1), app(1, A, { name: 'ToDelete' })],
    block: tx(1, 'DeveloperApp', 0, 'Delete', { address: A }),
    outcomes: ['applied'],
    rows: [{ table: 'developer_apps', where: cur(A), equals: { is_delete: true } }],
  },
  {
    name: 'a deleted app no longer authorizes as a grantee',
    from: 'go:validate.go ValidateSigner (grantee must still be a developer app)',
    setup: [
      [user(1), user(2)],
      app(1, A),
      tx(2, 'Grant', 0, 'Create', { grantee_address: A }),
      tx(1, 'DeveloperApp', 0, 'Delete', { address: A }),
    ],
    block: tx(2, 'User', U(2), 'Update', { name: 'via app' }, A),
    outcomes: ['grantee_invalid'],
  },
  {
    name: 'Create indexes its redirect URIs',
    from: 'go:oauth_redirect_uris_test.go TestDeveloperAppCreate_IndexesRedirectURIs',
    setup: [user(1)],
    block: app(1, A, { redirect_uris: ['https://a.example', 'https://b.example'] }),
    outcomes: ['applied'],
    queries: [
      {
        query: uris(A),
        rows: [{ redirect_uri: 'https://a.example' }, { redirect_uri: 'https://b.example' }],
      },
    ],
  },
  {
    name: 'Update replaces the redirect URIs',
    from: 'go:oauth_redirect_uris_test.go TestReplaceRedirectURIs_DeletesAndInserts',
    setup: [user(1), app(1, A, { redirect_uris: ['https://old1', 'https://old2', 'https://old3'] })],
    block: update(1, { redirect_uris: ['https://new'] }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [{ redirect_uri: 'https://new' }] }],
  },
  {
    name: 'an Update without redirect_uris keeps them',
    from: 'go:oauth_redirect_uris_test.go TestExtractRedirectURIs/missing',
    setup: [user(1), app(1, A, { redirect_uris: ['https://keep'] })],
    block: update(1, { name: 'Renamed' }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [{ redirect_uri: 'https://keep' }] }],
  },
  {
    name: 'an explicit null clears the redirect URIs',
    from: 'go:oauth_redirect_uris_test.go TestExtractRedirectURIs/explicit null',
    setup: [user(1), app(1, A, { redirect_uris: ['https://gone'] })],
    block: update(1, { redirect_uris: null }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [] }],
  },
  {
    name: 'redirect_uris that is not a list leaves them untouched',
    from: 'go:oauth_redirect_uris_test.go TestExtractRedirectURIs/non-list dropped',
    setup: [user(1), app(1, A, { redirect_uris: ['https://keep'] })],
    block: update(1, { redirect_uris: 'oops' }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [{ redirect_uri: 'https://keep' }] }],
  },
  {
    name: 'a list with a non-string entry is dropped whole',
    from: 'go:oauth_redirect_uris_test.go TestExtractRedirectURIs/non-string entry skipped',
    setup: [user(1), app(1, A, { redirect_uris: ['https://keep'] })],
    block: update(1, { redirect_uris: ['ok', 1] }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [{ redirect_uri: 'https://keep' }] }],
  },
  {
    name: 'a list with a URI over 2,000 characters is dropped whole',
    from: 'go:oauth_redirect_uris_test.go TestExtractRedirectURIs/over-length URI rejects whole list',
    setup: [user(1)],
    block: app(1, A, { redirect_uris: ['https://ok', `https://${'x'.repeat(2000)}`] }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [] }],
  },
  {
    name: 'at most 50 redirect URIs are kept',
    from: 'go:oauth_redirect_uris.go MaxRedirectURIs',
    setup: [user(1)],
    block: app(1, A, {
      redirect_uris: Array.from({ length: 60 }, (_, i) => `https://r${String(i).padStart(2, '0')}`),
    }),
    outcomes: ['applied'],
    queries: [
      {
        query: `SELECT count(*)::int AS n FROM oauth_redirect_uris WHERE client_id = '${A}'`,
        rows: [{ n: 50 }],
      },
    ],
  },
  {
    name: 'a repeated redirect URI is stored once',
    from: 'go:oauth_redirect_uris.go replaceRedirectURIs (inserts each entry)',
    setup: [user(1)],
    block: app(1, A, { redirect_uris: ['https://same', 'https://same'] }),
    outcomes: ['applied'],
    queries: [{ query: uris(A), rows: [{ redirect_uri: 'https://same' }] }],
    difference: 'repeated redirect URIs (docs/parity-accounts.md)',
  },
  {
    name: 'a migrated app still lands once and needs its owner as signer',
    from: 'go:migration.go migratedDeveloperAppCreate (no checks at all)',
    setup: [user(1), app(1, A)],
    block: migrated(app(1, A)),
    outcomes: ['app_exists'],
    difference: 'genesis DeveloperApp/Create and Grant/Create checks (docs/parity-accounts.md)',
  },
  {
    name: 'a valid FQDN image_url is stored and an Update overwrites it',
    from: 'go:parked_findings_test.go TestDeveloperApp_ImageURL (create, update)',
    setup: [user(1), app(1, A, { name: 'Img App', image_url: 'https://cdn.audius.co/icon.png' })],
    block: update(1, { name: 'Img App', image_url: 'https://img.example.com/new.png' }),
    outcomes: ['applied'],
    rows: [
      { table: 'developer_apps', where: cur(A), equals: { image_url: 'https://img.example.com/new.png' } },
    ],
  },
  {
    name: 'a non-FQDN image_url is stored as NULL',
    from: 'go:parked_findings_test.go TestDeveloperApp_ImageURL (invalid)',
    setup: [user(1)],
    block: app(1, A, { name: 'Bad Img', image_url: 'javascript:alert(1)' }),
    outcomes: ['applied'],
    rows: [{ table: 'developer_apps', where: cur(A), equals: { image_url: null } }],
  },
  {
    name: 'a migrated app keeps a legacy over-long name and its deleted state',
    from: 'go:migration.go migratedDeveloperAppCreate (is_delete from metadata, no limits)',
    setup: [user(1)],
    block: migrated(app(1, A, { name: 'n'.repeat(60), is_delete: true })),
    outcomes: ['applied'],
    rows: [{ table: 'developer_apps', where: cur(A), equals: { name: 'n'.repeat(60), is_delete: true } }],
  },
  {
    name: 'a migrated description longer than its column is a reasoned rejection, not a failed tx',
    from: 'go:migration.go migratedDeveloperAppCreate (no limits; the column is varchar(255))',
    setup: [user(1)],
    block: migrated(app(1, A, { description: 'd'.repeat(256) })),
    outcomes: ['field_too_long'],
    difference: 'genesis app description past its column (docs/parity-accounts.md)',
  },
  {
    name: 'a live Create ignores is_delete',
    from: 'go:migration.go (only the migration handler reads is_delete)',
    setup: [user(1)],
    block: app(1, A, { is_delete: true }),
    outcomes: ['applied'],
    rows: [{ table: 'developer_apps', where: cur(A), equals: { is_delete: false } }],
  },
];

parityCases('developer-app', cases);
