// What exists on the simulated chain, as the generator believes it. Generators read it to make txs that
// should apply, and update it optimistically; hostile txs never touch it. Bounded: limits on everything.
import { Rng } from './rng.js';

export interface SimUser {
  readonly id: number;
  readonly wallet: string;
  handle: string;
}
export interface SimTrack {
  readonly id: number;
  readonly owner: number;
  deleted: boolean;
  /** For a remix: the owner of the track it remixes (who may cosign it). */
  readonly parentOwner?: number;
}
export interface SimPlaylist {
  readonly id: number;
  readonly owner: number;
  deleted: boolean;
}
export interface SimApp {
  readonly address: string;
  readonly owner: number;
}
export interface SimComment {
  readonly id: number;
  readonly user: number;
  readonly track: number;
}

export const LIMITS = {
  users: 5_000,
  tracks: 20_000,
  playlists: 5_000,
  apps: 500,
  comments: 20_000,
} as const;

export class World {
  readonly users: SimUser[] = [];
  readonly tracks: SimTrack[] = [];
  readonly playlists: SimPlaylist[] = [];
  readonly apps: SimApp[] = [];
  readonly comments: SimComment[] = [];
  readonly follows = new Set<string>();
  readonly saves = new Set<string>();
  readonly reposts = new Set<string>();
  readonly subscriptions = new Set<string>();
  readonly grants = new Set<string>();
  readonly mutes = new Set<string>();
  readonly reactions = new Set<string>();
  readonly events: { id: number; owner: number; track: number }[] = [];
  /** (user, comment) pairs with an active reaction. */
  readonly commentReactions = new Set<string>();
  /** track → pinned comment. */
  readonly pins = new Map<number, number>();
  /** Pending user-to-user grants: grantor → grantee user. */
  readonly managerGrants: { grantor: number; grantee: number }[] = [];
  /** Pending collaboration invites (track, collaborator). */
  readonly invites: { track: number; user: number }[] = [];
  /** Linked associated wallets and assigned dashboard wallets (user, address). */
  readonly linkedWallets: { user: number; address: string }[] = [];
  readonly dashboardWallets: { user: number; address: string }[] = [];
  nextUserId = 3_000_000;
  nextTrackId = 2_000_000;
  nextPlaylistId = 400_000;
  nextCommentId = 4_000_000;
  nextEventId = 1;
  /** Developer apps deleted by a coverage draft (they stay in `apps`; see COVERAGE in txgen/coverage.ts). */
  readonly deletedApps = new Set<string>();
  /** The next coverage draft to try (COVERAGE in txgen/coverage.ts, taken in turn). */
  coverageCursor = 0;
  /** Anonymous listens carry the serving node's wallet instead of a user id. */
  readonly nodeWallets: readonly string[];

  constructor(readonly rng: Rng) {
    this.nodeWallets = [0, 1, 2].map(() => `0x${rng.hex(20)}`);
  }

  static create(seed: number, initialUsers = 20): World {
    const w = new World(Rng.stream(seed, 'world'));
    // Genesis users (they come in as ordinary User Create txs in the first blocks).
    w.pendingGenesisUsers = initialUsers;
    return w;
  }

  pendingGenesisUsers = 0;

  newWallet(): string {
    return `0x${this.rng.hex(20)}`;
  }

  user(rng: Rng): SimUser | undefined {
    return this.users.length === 0 ? undefined : this.users[rng.powerLaw(this.users.length)];
  }

  liveTrack(rng: Rng): SimTrack | undefined {
    for (let i = 0; i < 4 && this.tracks.length > 0; i++) {
      const t = this.tracks[rng.powerLaw(this.tracks.length)]!;
      if (!t.deleted) return t;
    }
    return undefined;
  }

  livePlaylist(rng: Rng): SimPlaylist | undefined {
    for (let i = 0; i < 4 && this.playlists.length > 0; i++) {
      const p = this.playlists[rng.int(0, this.playlists.length - 1)]!;
      if (!p.deleted) return p;
    }
    return undefined;
  }

  userById(id: number): SimUser | undefined {
    // Ids are dense from nextUserId's start, so the index is the offset (users are never removed).
    const u = this.users[id - 3_000_000];
    return u?.id === id ? u : this.users.find((x) => x.id === id);
  }
}

export const pair = (a: number | string, b: number | string, c: string | number = '') => `${a}:${b}:${c}`;
