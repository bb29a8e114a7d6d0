import { type Logger, pino } from 'pino';

export type { Logger };

/** Production logger: JSON lines on stdout. Tests and the simulator pass a silent one. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'metronome' } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
