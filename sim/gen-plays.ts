// Plays txs as mainnet sends them (issue 17): besides ordinary plays, a popular track's anonymous
// listeners in one second (non-integer listener ids → NULL user_id, one timestamp, one signature: rows
// identical on every column we key on), a listener's play repeated inside one tx, and now and then a
// play sent again in a later block. Every draw comes from the `plays` stream.
import type { Play } from '../src/chain/types.js';
import type { Rng } from './rng.js';
import type { World } from './world.js';

/** Remembered valid plays that a later block may carry again (same content, another position). */
const ECHO_MEMORY = 8;

export class PlaysGenerator {
  private readonly recent: Play[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly world: World,
    private readonly sha: (...parts: (string | number)[]) => string,
    private readonly seed: number,
  ) {}

  /** The plays of one tx: `n` ordinary plays, plus whatever burst, repeats or echo the stream draws. */
  playsFor(n: number, height: number, index: number, time: string): Play[] {
    const rng = this.rng;
    const base = Date.parse(time);
    const plays: Play[] = [];
    for (let i = 0; i < n; i++) {
      const p = this.ordinary(base, height, index, i);
      plays.push(p);
      // A client retrying one play inside a tx: identical copies, listener included.
      if (rng.chance(0.04)) for (let r = rng.int(1, 3); r > 0; r--) plays.push({ ...p });
    }
    if (rng.chance(0.12)) plays.push(...this.burst(base, height, index));
    if (this.recent.length > 0 && rng.chance(0.05)) {
      const again = this.recent[rng.int(0, this.recent.length - 1)]!;
      for (let r = rng.int(1, 2); r > 0; r--) plays.push({ ...again });
    }
    const keep = plays.find((p) => /^\d+$/.test(p.trackId));
    if (keep) {
      this.recent.push(keep);
      if (this.recent.length > ECHO_MEMORY) this.recent.shift();
    }
    return plays;
  }

  private ordinary(base: number, height: number, index: number, i: number): Play {
    const rng = this.rng;
    const w = this.world;
    const u = w.user(rng);
    const t = w.tracks.length > 0 ? w.tracks[rng.powerLaw(w.tracks.length)] : undefined;
    const junkTrack = !t || rng.chance(0.02);
    const at = new Date(base - rng.int(1, 120_000)).toISOString().slice(0, 19);
    return {
      userId: u && rng.chance(0.7) ? String(u.id) : rng.pick(w.nodeWallets),
      trackId: junkTrack ? rng.pick(['abc', '', '1.5', '99999999999', '-x']) : String(t.id),
      timestamp: `${at}.${String(rng.int(0, 999_999)).padStart(6, '0')}Z`,
      signature: `0x${this.sha(this.seed, 'play', height, index, i)}`,
      city: rng.pick(['Denver', 'Berlin', 'Lagos', 'São Paulo', '']),
      region: rng.pick(['CO', 'BE', 'LA', 'SP', '']),
      country: rng.pick(['United States', 'Germany', 'Nigeria', 'Brazil', '']),
    };
  }

  /** Many anonymous listeners of one hot track within one second, signed once by the relay. */
  private burst(base: number, height: number, index: number): Play[] {
    const rng = this.rng;
    const w = this.world;
    if (w.tracks.length === 0) return [];
    const track = String(w.tracks[rng.powerLaw(Math.min(w.tracks.length, 10))]!.id);
    const at = `${new Date(base - rng.int(1, 30_000)).toISOString().slice(0, 19)}Z`;
    const signature = `0x${this.sha(this.seed, 'burst', height, index)}`;
    const listeners = rng.int(5, 60);
    const out: Play[] = [];
    for (let i = 0; i < listeners; i++) {
      out.push({
        userId: `anon-${this.sha(this.seed, 'listener', height, index, i).slice(0, 16)}`,
        trackId: track,
        timestamp: at,
        signature,
        city: 'Lagos',
        region: 'LA',
        country: 'Nigeria',
      });
    }
    return out;
  }
}
