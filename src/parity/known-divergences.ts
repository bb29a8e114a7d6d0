// Columns where the two indexers are known to differ for legitimate reasons; they are not compared.
// Each entry says why, so an operator can tell an accepted difference from a bug.
export interface KnownDivergence {
  readonly table: string | '*';
  readonly column: string;
  readonly why: string;
}

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    table: '*',
    column: 'slot',
    why: 'legacy Solana-era slot numbering; metronome writes NULL or the chain height',
  },
  { table: 'users', column: 'is_storage_v2', why: 'the legacy indexer wrote false for pre-storage-v2 users' },
  {
    table: 'follows',
    column: 'created_at',
    why: 'overwritten on every toggle (#331), so it depends on which writer toggled last',
  },
  { table: 'subscriptions', column: 'created_at', why: 'as follows' },
  {
    table: 'track_routes',
    column: 'is_current',
    why: 'a retitle demotes the old route without moving its blocknumber, so the demotion cannot be windowed',
  },
  { table: 'playlist_routes', column: 'is_current', why: 'as track_routes' },
  {
    table: 'tracks',
    column: 'playlists_containing_track',
    why: "a playlist's membership change rewrites the track's reverse index (and updated_at) without moving its blocknumber, as the Go ETL does, so it cannot be windowed",
  },
  { table: 'tracks', column: 'playlists_previously_containing_track', why: 'as playlists_containing_track' },
  { table: 'tracks', column: 'updated_at', why: 'as playlists_containing_track' },
];

export function isKnownDivergence(table: string, column: string): boolean {
  return KNOWN_DIVERGENCES.some((d) => (d.table === '*' || d.table === table) && d.column === column);
}
