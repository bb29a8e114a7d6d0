// One ManageEntity tx through the frame: decode ids, parse the envelope, route, run the handler and
// its post-hooks. Pure of transaction control: the caller owns the savepoint around this call.
import type { Kysely } from 'kysely';
import { hasNul, parseInt4 } from '../chain/text.js';
import type { ManageEntityTx } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../deps/logger.js';
import type { Dispatcher } from './dispatcher.js';
import { Metadata } from './metadata.js';
import type { TxReasonCode } from './reasons.js';
import type { EmParams } from './types.js';
import { ValidationError } from './validation-error.js';

/** Metadata larger than this is rejected before any handler sees it (the raw text is still recorded). */
export const MAX_METADATA_BYTES = 256 * 1024;

export interface ApplyContext {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  readonly emBlock: number;
  readonly blockTime: string;
  readonly blockHash: string;
  readonly chainHeight: number;
}

export type EmOutcome =
  | { readonly outcome: 'applied' }
  | { readonly outcome: 'unrouted'; readonly reasonCode: 'unrouted'; readonly reason: string }
  | { readonly outcome: 'rejected'; readonly reasonCode: TxReasonCode; readonly reason: string };

export type PrevalidatedParams = Omit<EmParams, 'blockNumber' | 'blockTime' | 'blockHash' | 'chainHeight'>;

/** Checks that need no database: a rejection here never opens a savepoint. */
export function prevalidate(tx: ManageEntityTx): { params: PrevalidatedParams } | EmOutcome {
  const me = tx.manageEntity;
  // The hash is every domain row's txhash: one with a NUL is recorded (sanitised) and rejected here.
  if (hasNul(tx.hash)) return rejected('nul_byte', 'the tx hash contains a NUL byte');
  for (const [field, value] of Object.entries(me)) {
    if (hasNul(value)) return rejected('nul_byte', `field ${field} contains a NUL byte`);
  }
  const userId = parseInt4(me.userId);
  if (userId === undefined)
    return rejected('invalid_id', `user_id ${clip(me.userId)} is not an integer in int4 range`);
  const entityId = parseInt4(me.entityId);
  if (entityId === undefined) {
    return rejected('invalid_id', `entity_id ${clip(me.entityId)} is not an integer in int4 range`);
  }
  if (Buffer.byteLength(me.metadata, 'utf8') > MAX_METADATA_BYTES) {
    return rejected(
      'metadata_too_large',
      `metadata is ${Buffer.byteLength(me.metadata, 'utf8')} bytes (max ${MAX_METADATA_BYTES})`,
    );
  }
  if (nestingDepth(me.metadata) > MAX_METADATA_DEPTH) {
    return rejected('metadata_value_invalid', `metadata nests deeper than ${MAX_METADATA_DEPTH} levels`);
  }
  const metadata = Metadata.parse(me.metadata);
  if (metadata.hasNul()) return rejected('nul_byte', 'metadata contains a NUL character');
  return {
    params: {
      userId,
      entityId,
      entityType: me.entityType,
      action: me.action,
      signer: me.signer.toLowerCase(),
      signerRaw: me.signer,
      metadata,
      txHash: tx.hash,
      migration: tx.migration,
    },
  };
}

/** Deeper JSON than this is refused before parsing: no handler reads it, and jsonb would hit the stack limit. */
export const MAX_METADATA_DEPTH = 64;

/** The deepest `[`/`{` nesting of JSON text, strings skipped; linear, no recursion. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Runs the routed handler. Throws only hard errors; validation rejections come back as outcomes. */
export async function applyManageEntity(
  tx: ManageEntityTx,
  ctx: ApplyContext,
  pre: ReturnType<typeof prevalidate> = prevalidate(tx),
): Promise<EmOutcome> {
  if ('outcome' in pre) return pre;
  const route = ctx.dispatcher.resolve(pre.params.entityType, pre.params.action);
  if (!route) {
    return {
      outcome: 'unrouted',
      reasonCode: 'unrouted',
      reason: `no handler for ${clip(pre.params.entityType)}:${clip(pre.params.action)}`,
    };
  }
  const params: EmParams = {
    ...pre.params,
    blockNumber: ctx.emBlock,
    blockTime: ctx.blockTime,
    blockHash: ctx.blockHash,
    chainHeight: ctx.chainHeight,
  };
  const hctx = { db: ctx.db, logger: ctx.logger };
  try {
    await route.handle(hctx, params);
  } catch (e) {
    if (e instanceof ValidationError) return rejected(e.code, e.message);
    throw e;
  }
  for (const hook of route.postHooks) {
    // A post-hook is an extension, not the tx: its validation rejections do not undo the handler.
    try {
      await hook(hctx, params);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      ctx.logger.warn({ key: route.key, tx: tx.hash, reason: e.message }, 'post-hook rejected');
    }
  }
  return { outcome: 'applied' };
}

function rejected(reasonCode: TxReasonCode, reason: string): EmOutcome {
  return { outcome: 'rejected', reasonCode, reason };
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
