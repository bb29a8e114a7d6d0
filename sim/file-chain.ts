// A block file as the simulator's chain (`pnpm sim --source file:PATH`): the file's blocks, optionally with
// the legacy writer and faults on top. Lines are validated by the production file reader first.
import { readBlockFile } from '../src/chain/file-source.js';
import type { WireGetBlockResponse } from '../src/chain/wire.js';
import type { BlockInfo, ChainView } from './chain.js';

/** Files are held in memory; a replay beyond this is a job for `metronome index --source file:`. */
export const MAX_FILE_BLOCKS = 200_000;

export class FileChain implements ChainView {
  readonly emptyRun = false;

  private constructor(
    private readonly responses: readonly WireGetBlockResponse[],
    private readonly infos: readonly BlockInfo[],
  ) {}

  static async load(path: string): Promise<FileChain> {
    const responses: WireGetBlockResponse[] = [];
    const infos: BlockInfo[] = [];
    for await (const { line, block, raw } of readBlockFile(path)) {
      if (responses.length === 0 && block.height !== 1) {
        throw new Error(
          `${path}:${line}: the simulator replays files that start at height 1 (this one starts at ${block.height})`,
        );
      }
      if (responses.length >= MAX_FILE_BLOCKS)
        throw new Error(`${path}: more than ${MAX_FILE_BLOCKS} blocks`);
      responses.push(JSON.parse(raw) as WireGetBlockResponse);
      const em = block.txs.filter((t) => t.kind === 'manage_entity').length;
      const plays = block.txs.reduce((n, t) => n + (t.kind === 'plays' ? t.plays.length : 0), 0);
      infos.push({
        height: block.height,
        kind: em && plays ? 'mixed' : em ? 'em' : plays ? 'plays' : 'empty',
        em,
        plays,
        hostile: {},
        generators: {},
      });
    }
    return new FileChain(responses, infos);
  }

  get length(): number {
    return this.responses.length;
  }

  responseFor(height: number): WireGetBlockResponse {
    const r = this.responses[height - 1];
    if (!r)
      return {
        block: { height: '-1', hash: '', chainId: '', proposer: '', timestamp: null, transactions: [] },
        currentHeight: '0',
      };
    return r;
  }

  blockInfo(height: number): BlockInfo {
    const i = this.infos[height - 1];
    if (!i) throw new Error(`no block ${height} in the file`);
    return i;
  }
}
