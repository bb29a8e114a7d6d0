import { type Logger, pino } from 'pino';
import { redactSecrets } from '../ops/redact.js';

export type { Logger };

/** Production logger: JSON lines on stdout. Tests and the simulator pass a silent one. */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'metronome' },
    // Whatever a caller logs (an error message quoting a URL, a field holding one), no password leaves.
    formatters: { log: (fields) => redactFields(fields, 3) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

function redactFields(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactSecrets(v);
  if (depth === 0 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => redactFields(x, depth - 1));
  if (v instanceof Error)
    return { type: v.name, message: redactSecrets(v.message), stack: redactSecrets(v.stack ?? '') };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactFields(x, depth - 1);
  return out;
}

export const silentLogger: Logger = pino({ level: 'silent' });
