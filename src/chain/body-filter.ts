// A GetBlock answer's bytes, streamed through a scanner that drops what the decoder never reads: the
// payloads of txs recorded by their type alone (storage proofs, releases, rewards…: `transaction.<oneof>`
// other than manageEntity, manageEntityMigration and plays) and every tx field but `hash` and `transaction`
// (`transactionv2`…). A dropped object becomes `{}` (its presence is what the decoder reads), anything
// else `null`. So a block carrying hundreds of MB of such payloads costs kilobytes once read, and the text
// JSON.parse sees is small. Keys written with escapes are never matched, so never dropped: the filter may
// keep more than needed, never less. Inside a dropped value only the bracket structure is checked.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

const TX_KEYS_READ = new Set(['hash', 'transaction']);
const SIGNED_KEYS_READ = new Set(['manageEntity', 'manageEntityMigration', 'plays']);
const MAX_KEY_BYTES = 32;
const EMPTY_OBJECT = Buffer.from('{}');
const NULL = Buffer.from('null');

interface Frame {
  readonly array: boolean;
  /** Object frames: the latest key, undefined when it was written with escapes or is too long to matter. */
  key: string | undefined;
  expectKey: boolean;
}

/** The kept part passed its bound: the message says by how much, the caller names the height. */
export class KeptTooLargeError extends Error {
  override name = 'KeptTooLargeError';
}

export class BlockBodyFilter {
  private readonly kept: Buffer[] = [];
  private keptLength = 0;
  private readonly stack: Frame[] = [];
  /** Open brackets below the last frame, in a value that cannot hold a drop point (only counted). */
  private skim = 0;
  private expectValue = true;
  private inString = false;
  private escape = false;
  /** Collecting the bytes of an object key (undefined when not in a key). */
  private keyBytes: number[] | undefined;
  private keyPlain = true;
  /** Open brackets of the value being dropped (empty when not dropping); a dropped string has none. */
  private dropping = false;
  private readonly dropStack: number[] = [];
  private malformed = false;

  /** What the kept text may reach: it is parsed whole, so it costs about three times this at its peak. */
  constructor(private readonly maxKeptBytes = Number.POSITIVE_INFINITY) {}

  /** Bytes that will reach JSON.parse. */
  get keptBytes(): number {
    return this.keptLength;
  }

  push(chunk: Uint8Array): void {
    let keepFrom = 0;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          if (this.keyBytes) this.keyPlain = false;
          i++;
          continue;
        }
        if (this.keyBytes === undefined) {
          // A string value: jump to the next quote or backslash.
          const q = chunk.indexOf(QUOTE, i);
          const s = chunk.indexOf(BACKSLASH, i);
          const next = q === -1 ? s : s === -1 ? q : Math.min(q, s);
          if (next === -1) {
            i = n;
            continue;
          }
          i = next;
        }
        const c = chunk[i]!;
        if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyBytes) this.endKey();
          else if (this.dropping && this.dropStack.length === 0) {
            this.dropping = false;
            keepFrom = i + 1;
          }
        } else if (this.keyBytes && this.keyBytes.length <= MAX_KEY_BYTES) this.keyBytes.push(c);
        i++;
        continue;
      }
      if (this.dropping) {
        if (b === QUOTE) this.inString = true;
        else if (b === OPEN_OBJ || b === OPEN_ARR) this.dropStack.push(b);
        else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
          const open = this.dropStack.pop();
          if (open !== (b === CLOSE_OBJ ? OPEN_OBJ : OPEN_ARR)) this.malformed = true;
          if (this.dropStack.length === 0) {
            this.dropping = false;
            keepFrom = i + 1;
          }
        }
        i++;
        continue;
      }
      if (this.skim > 0) {
        if (b === QUOTE) this.inString = true;
        else if (b === OPEN_OBJ || b === OPEN_ARR) this.skim++;
        else if (b === CLOSE_OBJ || b === CLOSE_ARR) this.skim--;
        i++;
        continue;
      }
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        i++;
        continue;
      }
      const top = this.stack.at(-1);
      if (this.expectValue && b !== CLOSE_ARR) {
        this.expectValue = false;
        if ((b === OPEN_OBJ || b === OPEN_ARR || b === QUOTE) && this.dropsHere()) {
          this.keep(chunk, keepFrom, i);
          this.keep(b === OPEN_OBJ ? EMPTY_OBJECT : NULL, 0, b === OPEN_OBJ ? 2 : 4);
          this.dropping = true;
          if (b === QUOTE) this.inString = true;
          else this.dropStack.push(b);
          i++;
          continue;
        }
      }
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (top && !top.array && top.expectKey) {
            this.keyBytes = [];
            this.keyPlain = true;
          }
          break;
        case OPEN_OBJ:
        case OPEN_ARR:
          // Frames only along the path to a drop point; anything else is only counted through.
          if (!this.mayHoldDrop(b === OPEN_ARR)) this.skim = 1;
          else if (b === OPEN_OBJ) this.stack.push({ array: false, key: undefined, expectKey: true });
          else {
            this.stack.push({ array: true, key: undefined, expectKey: false });
            this.expectValue = true;
          }
          break;
        case CLOSE_OBJ:
        case CLOSE_ARR:
          this.stack.pop();
          this.expectValue = false;
          break;
        case COLON:
          if (top && !top.array) {
            top.expectKey = false;
            this.expectValue = true;
          }
          break;
        case COMMA:
          if (top?.array) this.expectValue = true;
          else if (top) top.expectKey = true;
          break;
      }
      i++;
    }
    if (!this.dropping) this.keep(chunk, keepFrom, n);
  }

  /** The kept text; throws when a dropped value's brackets did not match (the answer is not JSON). */
  text(): string {
    if (this.malformed || this.dropping) throw new SyntaxError('unbalanced brackets in a skipped tx payload');
    const all = Buffer.concat(this.kept, this.keptLength);
    this.kept.length = 0;
    return all.toString('utf8');
  }

  private keep(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    if (this.keptLength + (to - from) > this.maxKeptBytes)
      throw new KeptTooLargeError(
        `the block's content (the answer without skipped tx payloads) is larger than ${this.maxKeptBytes} bytes`,
      );
    // A copy: a slice would pin the whole network chunk it came from.
    const part = Buffer.from(chunk.subarray(from, to));
    this.kept.push(part);
    this.keptLength += part.length;
  }

  private endKey(): void {
    const top = this.stack.at(-1);
    const bytes = this.keyBytes ?? [];
    this.keyBytes = undefined;
    if (!top) return;
    top.key = this.keyPlain && bytes.length <= MAX_KEY_BYTES ? String.fromCharCode(...bytes) : undefined;
  }

  /** A container opened now is on the path root → block → transactions → [tx] → transaction. */
  private mayHoldDrop(array: boolean): boolean {
    const s = this.stack;
    switch (s.length) {
      case 0:
        return !array;
      case 1:
        return !array && s[0]!.key === 'block';
      case 2:
        return array && s[1]!.key === 'transactions';
      case 3:
        return !array;
      case 4:
        return !array && s[3]!.key === 'transaction';
      default:
        return false;
    }
  }

  /** The value starting now is one the decoder never reads. */
  private dropsHere(): boolean {
    const s = this.stack;
    if (s.length !== 4 && s.length !== 5) return false;
    if (s[0]!.array || s[0]!.key !== 'block' || s[1]!.array || s[1]!.key !== 'transactions') return false;
    if (!s[2]!.array || s[3]!.array) return false;
    const txKey = s[3]!.key;
    if (s.length === 4) return txKey !== undefined && !TX_KEYS_READ.has(txKey);
    if (txKey !== 'transaction' || s[4]!.array) return false;
    const key = s[4]!.key;
    return key !== undefined && !SIGNED_KEYS_READ.has(key);
  }
}
