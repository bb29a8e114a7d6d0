// `metronome handlers [--json] [--reasons]`: the dispatch table as it ships — every (entity type, action)
// registration with its data-type gate, the tables it writes and its post-hooks — and the closed set of
// reason codes. Reads only code, never a database.
import { Command } from 'commander';
import { TX_REASONS } from '../entity-manager/reasons.js';
import { HANDLERS, POST_HOOKS } from '../entity-manager/registry.js';

export interface HandlerRow {
  readonly entityType: string;
  readonly action: string;
  /** OPENAUDIO_ETL_ENTITY_MANAGER_DATA_TYPES value that enables it; null = always registered. */
  readonly gate: string | null;
  readonly writes: readonly string[];
  readonly postHooks: number;
}

export function handlerRows(): HandlerRow[] {
  return HANDLERS.map((h) => ({
    entityType: h.entityType,
    action: h.action,
    gate: h.gate,
    writes: [...(h.writes ?? [])],
    postHooks: POST_HOOKS.filter((p) => p.entityType === h.entityType && p.action === h.action).length,
  })).sort((a, b) => a.entityType.localeCompare(b.entityType) || a.action.localeCompare(b.action));
}

export function formatHandlers(rows: readonly HandlerRow[]): string {
  const head = ['entity type', 'action', 'gate', 'writes'];
  const body = rows.map((r) => [r.entityType, r.action, r.gate ?? '(always)', r.writes.join(', ') || '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line), `${rows.length} registrations`].join('\n');
}

export function handlersCommand(): Command {
  return new Command('handlers')
    .description('list the ManageEntity dispatch table (and, with --reasons, the reason codes)')
    .option('--json', 'machine-readable output')
    .option('--reasons', 'list the closed set of rejection reason codes instead')
    .action((opts: { json?: boolean; reasons?: boolean }) => {
      if (opts.reasons) {
        const out = opts.json
          ? JSON.stringify(TX_REASONS, null, 2)
          : Object.entries(TX_REASONS)
              .map(([code, meaning]) => `${code.padEnd(32)}${meaning}`)
              .join('\n');
        process.stdout.write(`${out}\n`);
        return;
      }
      const rows = handlerRows();
      process.stdout.write(`${opts.json ? JSON.stringify(rows, null, 2) : formatHandlers(rows)}\n`);
    });
}
