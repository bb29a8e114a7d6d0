import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../deps/logger.js';
import type { Metadata } from './metadata.js';

/** Everything a handler knows about one ManageEntity tx (docs/spec.md#handler-params). */
export interface EmParams {
  /** The acting user; validated to fit int4 before dispatch. */
  readonly userId: number;
  /** The target; validated to fit int4 before dispatch. */
  readonly entityId: number;
  readonly entityType: string;
  readonly action: string;
  /** Lower-cased signer, for comparisons with stored wallets and addresses. */
  readonly signer: string;
  /** The signer as sent (Solana addresses keep their case). */
  readonly signerRaw: string;
  readonly metadata: Metadata;
  /** em_block: blocks.number of this chain block; every domain row's blocknumber. */
  readonly blockNumber: number;
  /** Block time, RFC 3339; domain timestamps come from here, never from the wall clock. */
  readonly blockTime: string;
  readonly blockHash: string;
  readonly txHash: string;
  readonly chainHeight: number;
  /** A genesis-replay (manage_entity_migration) tx. */
  readonly migration: boolean;
}

export interface HandlerContext {
  /** The tx's savepoint inside the block transaction. */
  readonly db: Kysely<Database>;
  readonly logger: Logger;
}

export type Handler = (ctx: HandlerContext, params: EmParams) => Promise<void>;

export const ANY_ENTITY = '*';

export interface HandlerRegistration {
  /** `*` for the social handlers, which the chain addresses by the target's entity type. */
  readonly entityType: string;
  readonly action: string;
  /** The data-type gate (docs/spec.md#data-type-gate); null = always registered (social handlers). */
  readonly gate: string | null;
  /** Every table the handler may write (its own rows, not trigger fan-out): `metronome handlers` lists it. */
  readonly writes?: readonly (keyof Database & string)[];
  readonly handle: Handler;
}

/** Runs after a successful handler, inside the same savepoint; failures are logged, never fatal. */
export interface PostHookRegistration {
  readonly entityType: string;
  readonly action: string;
  readonly hook: Handler;
}
