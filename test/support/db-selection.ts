// Which database the test suite runs on, decided once per run. Pure: the environment and the machine are
// passed in, and the Docker probe is a function called only when nothing earlier in the order applies,
// so a machine with local server binaries never reaches out to Docker.
//   1. TEST_DB=pglite            → in-process PGlite (forced)
//   2. DATABASE_URL              → that server (the suite creates databases on it)
//   3. local server binaries     → an ephemeral cluster started by the suite (here and in CI)
//   4. a Docker engine answers   → Testcontainers postgres:15 (a laptop with Docker and no PostgreSQL)
//   5. otherwise                 → in-process PGlite
export type DbChoice =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'local-binaries'; readonly pgBin: string }
  | { readonly kind: 'testcontainers'; readonly image: string }
  | { readonly kind: 'pglite'; readonly why: string };

export interface DbSelectionInput {
  readonly env: { readonly DATABASE_URL?: string | undefined; readonly TEST_DB?: string | undefined };
  /** The newest `/usr/lib/postgresql/N/bin` with initdb, if any. */
  readonly pgBin: string | undefined;
  /** Whether a Docker engine answers a ping; asked only when the choice depends on it. */
  readonly dockerAnswers: () => Promise<boolean>;
}

export const TESTCONTAINERS_IMAGE = 'postgres:15';

export async function chooseTestDatabase(input: DbSelectionInput): Promise<DbChoice> {
  const { env } = input;
  if (env.TEST_DB !== undefined && env.TEST_DB !== '' && env.TEST_DB !== 'pglite')
    throw new Error(`TEST_DB must be "pglite" or unset, got "${env.TEST_DB}"`);
  if (env.TEST_DB === 'pglite') return { kind: 'pglite', why: 'TEST_DB=pglite' };
  if (env.DATABASE_URL) return { kind: 'url', url: env.DATABASE_URL };
  if (input.pgBin !== undefined) return { kind: 'local-binaries', pgBin: input.pgBin };
  if (await input.dockerAnswers()) return { kind: 'testcontainers', image: TESTCONTAINERS_IMAGE };
  return { kind: 'pglite', why: 'no DATABASE_URL, no PostgreSQL server binaries, no Docker engine' };
}
