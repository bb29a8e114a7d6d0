// The shapes every generator shares: what a generator returns (a Draft), what it reads (a GenContext).
import type { Rng } from '../rng.js';
import type { World } from '../world.js';

export interface Draft {
  entityType: string;
  action: string;
  userId: number | string;
  entityId: number | string;
  signer: string;
  /** An object is sent in the `{"cid","data"}` envelope; a string is sent as is. */
  metadata?: Record<string, unknown> | string;
}

export interface GenContext {
  readonly world: World;
  readonly rng: Rng;
  readonly height: number;
  /** Block time as RFC 3339, for metadata that carries dates. */
  readonly time: string;
}

export interface Generator {
  readonly key: string;
  readonly weight: number;
  readonly gen: (ctx: GenContext) => Draft | undefined;
}
