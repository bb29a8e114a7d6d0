// Fault injection around the production core, without the core knowing. Every decision is a hash of
// (seed, operation, repeat count), so async ordering cannot change it, and a retried operation is
// eventually let through (decisions for later attempts are independent draws).
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { BlockSource, FetchResult } from '../src/chain/block-source.js';
import type { Dispatcher } from '../src/entity-manager/dispatcher.js';
import { decide } from './rng.js';

export const FAULT_KINDS = [
  'crash_in_block',
  'crash_between_blocks',
  'dropped_connection',
  'db_outage',
  'rpc_error',
  'rpc_timeout',
  'rpc_not_yet',
  'redelivery',
  'handler_throws',
  'poison_empty_run',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  readonly seed: number;
  /** Per statement: the process dies mid-block (restart through the production resume path). */
  readonly crashPerStatement: number;
  /** Per statement, PostgreSQL only: the indexer's connections are terminated (retried in place). */
  readonly dropPerStatement: number;
  /** Per statement, PostgreSQL with a server we own: stop -m immediate, then start. */
  readonly outagePerStatement: number;
  readonly rpcErrorPerFetch: number;
  readonly rpcTimeoutPerFetch: number;
  readonly rpcNotYetPerFetch: number;
  /** Per ManageEntity tx: its handler throws a hard error (recorded as failed, the block commits). */
  readonly handlerThrowPerTx: number;
}

export function faultPlan(seed: number, enabled: boolean): FaultPlan {
  return {
    seed,
    crashPerStatement: enabled ? 0.002 : 0,
    dropPerStatement: enabled ? 0.0005 : 0,
    outagePerStatement: enabled ? 0.0001 : 0,
    rpcErrorPerFetch: enabled ? 0.03 : 0,
    rpcTimeoutPerFetch: enabled ? 0.01 : 0,
    rpcNotYetPerFetch: enabled ? 0.03 : 0,
    handlerThrowPerTx: enabled ? 0.002 : 0,
  };
}

export class FaultCounters {
  readonly counts: Record<string, number> = {};
  add(kind: FaultKind, n = 1): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + n;
  }
}

/** The simulated process death. It looks like a server-side termination (retryable) to the indexer. */
export class SimCrash extends Error {
  override name = 'SimCrash';
  readonly code = '57P01';
}

export interface StatementFaultHooks {
  /** The process dies: abort the running indexer (it must not retry in place). */
  crash(): void;
  /** Terminate the indexer's backends (PostgreSQL). */
  dropConnections?(): Promise<void>;
  /** Stop the server hard and start it again (PostgreSQL we own). */
  outage?(): Promise<void>;
}

/**
 * The one statement-level fault plugin: numbers the statements run through it and calls `after(n)` once
 * statement n has returned, so a fault lands between any two statements without the indexer knowing (a throw
 * fails the statement's caller). Tests use it directly (test/support/statement-fault.ts); the simulator's
 * seeded faults are StatementFaults below.
 */
export class StatementHook implements KyselyPlugin {
  statements = 0;

  constructor(private readonly after: (n: number) => Promise<void>) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await this.after(++this.statements);
    return args.result;
  }
}

/** Seed-decided crashes, dropped connections and outages after some of the indexer's statements. */
export class StatementFaults extends StatementHook {
  /** After a crash, this many statements run crash-free, so even the largest block gets through. */
  static readonly GRACE = 5000;

  constructor(plan: FaultPlan, counters: FaultCounters, hooks: StatementFaultHooks) {
    let quietUntil = 0;
    super(async (n) => {
      const { seed } = plan;
      if (n > quietUntil && decide(seed, plan.crashPerStatement, 'crash', n)) {
        quietUntil = n + StatementFaults.GRACE;
        counters.add('crash_in_block');
        hooks.crash();
        throw new SimCrash(`simulated crash after statement ${n}`);
      }
      if (hooks.dropConnections && decide(seed, plan.dropPerStatement, 'drop', n)) {
        counters.add('dropped_connection');
        await hooks.dropConnections();
      }
      if (hooks.outage && decide(seed, plan.outagePerStatement, 'outage', n)) {
        counters.add('db_outage');
        await hooks.outage();
      }
    });
  }
}

/** RPC faults in front of a source: errors, timeouts and "not produced yet", per (height, attempt). */
export function faultySource(inner: BlockSource, plan: FaultPlan, counters: FaultCounters): BlockSource {
  const attempts = new Map<number, number>();
  return {
    chainId: inner.chainId,
    async fetch(height, signal): Promise<FetchResult> {
      const attempt = (attempts.get(height) ?? 0) + 1;
      attempts.set(height, attempt);
      if (decide(plan.seed, plan.rpcErrorPerFetch, 'rpc-error', height, attempt)) {
        counters.add('rpc_error');
        throw Object.assign(new Error(`simulated RPC 503 at height ${height}`), { code: 'ECONNRESET' });
      }
      if (decide(plan.seed, plan.rpcTimeoutPerFetch, 'rpc-timeout', height, attempt)) {
        counters.add('rpc_timeout');
        throw Object.assign(new Error(`simulated RPC timeout at height ${height}`), { code: 'ETIMEDOUT' });
      }
      if (decide(plan.seed, plan.rpcNotYetPerFetch, 'rpc-not-yet', height, attempt)) {
        counters.add('rpc_not_yet');
        return { status: 'not-yet', chainHead: undefined };
      }
      return inner.fetch(height, signal);
    },
  };
}

/** Some handlers throw a hard error for some txs (a deterministic bug in production terms). */
export function throwingDispatcher(inner: Dispatcher, plan: FaultPlan, counters: FaultCounters): Dispatcher {
  if (plan.handlerThrowPerTx === 0) return inner;
  return {
    handlerCount: inner.handlerCount,
    keys: inner.keys,
    resolve(entityType, action) {
      const route = inner.resolve(entityType, action);
      if (!route) return route;
      return {
        ...route,
        handle: async (ctx, p) => {
          if (decide(plan.seed, plan.handlerThrowPerTx, 'handler-throws', p.txHash)) {
            counters.add('handler_throws');
            throw new Error(`simulated handler bug for ${route.key} tx ${p.txHash}`);
          }
          return route.handle(ctx, p);
        },
      };
    },
  };
}
