// Hashid-encoded track ids in playlist contents (#269): the legacy indexer decodes them with the
// Hashids scheme (salt 'azowernasdfoia', minimum length 5, the default alphabet and separators).
// A string decodes only when re-encoding the result gives the same string back, as the scheme requires.

const SALT = 'azowernasdfoia';
const MIN_LENGTH = 5;
const DEFAULT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890';
const DEFAULT_SEPS = 'cfhistuCFHISTU';
/** Ids longer than this cannot be a track id; bounded before any arithmetic. */
const MAX_ID_LENGTH = 16;

function shuffle(alphabet: string, salt: string): string {
  if (salt === '') return alphabet;
  const a = [...alphabet];
  for (let i = a.length - 1, v = 0, p = 0; i > 0; i--, v++) {
    v %= salt.length;
    const code = salt.charCodeAt(v);
    p += code;
    const j = (code + v + p) % i;
    [a[i], a[j]] = [a[j] as string, a[i] as string];
  }
  return a.join('');
}

interface Scheme {
  readonly alphabet: string;
  readonly seps: string;
  readonly guards: string;
}

function scheme(): Scheme {
  let alphabet = [...DEFAULT_ALPHABET].filter((c) => !DEFAULT_SEPS.includes(c)).join('');
  let seps = shuffle(DEFAULT_SEPS, SALT);
  if (alphabet.length / seps.length > 3.5) {
    const want = Math.max(2, Math.ceil(alphabet.length / 3.5));
    if (want > seps.length) {
      const diff = want - seps.length;
      seps += alphabet.slice(0, diff);
      alphabet = alphabet.slice(diff);
    } else seps = seps.slice(0, want);
  }
  alphabet = shuffle(alphabet, SALT);
  const guardCount = Math.ceil(alphabet.length / 12);
  return { alphabet: alphabet.slice(guardCount), seps, guards: alphabet.slice(0, guardCount) };
}

const S = scheme();

function toAlphabet(n: number, alphabet: string): string {
  let out = '';
  do {
    out = (alphabet[n % alphabet.length] as string) + out;
    n = Math.floor(n / alphabet.length);
  } while (n > 0);
  return out;
}

function encode(numbers: readonly number[]): string {
  let alphabet = S.alphabet;
  const idInt = numbers.reduce((acc, n, i) => acc + (n % (i + 100)), 0);
  const lottery = alphabet[idInt % alphabet.length] as string;
  let ret = lottery;
  numbers.forEach((n, i) => {
    alphabet = shuffle(alphabet, `${lottery}${SALT}${alphabet}`.slice(0, alphabet.length));
    const last = toAlphabet(n, alphabet);
    ret += last;
    if (i + 1 < numbers.length) ret += S.seps[(n % (last.charCodeAt(0) + i)) % S.seps.length];
  });
  if (ret.length < MIN_LENGTH) {
    ret = (S.guards[(idInt + ret.charCodeAt(0)) % S.guards.length] as string) + ret;
    if (ret.length < MIN_LENGTH) ret += S.guards[(idInt + ret.charCodeAt(2)) % S.guards.length];
  }
  const half = Math.floor(alphabet.length / 2);
  while (ret.length < MIN_LENGTH) {
    alphabet = shuffle(alphabet, alphabet);
    ret = alphabet.slice(half) + ret + alphabet.slice(0, half);
    const excess = ret.length - MIN_LENGTH;
    if (excess > 0) ret = ret.slice(Math.floor(excess / 2), Math.floor(excess / 2) + MIN_LENGTH);
  }
  return ret;
}

/** The single id a hashid encodes, or undefined when it is not a valid hashid of one number. */
export function decodeHashId(id: string): number | undefined {
  if (id === '' || id.length > MAX_ID_LENGTH) return undefined;
  const parts = id.split(new RegExp(`[${S.guards}]`));
  const body = parts[parts.length === 2 || parts.length === 3 ? 1 : 0] ?? '';
  if (body === '') return undefined;
  const lottery = body[0] as string;
  let alphabet = S.alphabet;
  const numbers: number[] = [];
  for (const sub of body.slice(1).split(new RegExp(`[${S.seps}]`))) {
    alphabet = shuffle(alphabet, `${lottery}${SALT}${alphabet}`.slice(0, alphabet.length));
    let n = 0;
    for (const c of sub) {
      const pos = alphabet.indexOf(c);
      if (pos < 0) return undefined;
      n = n * alphabet.length + pos;
    }
    if (!Number.isSafeInteger(n)) return undefined;
    numbers.push(n);
  }
  if (numbers.length !== 1 || encode(numbers) !== id) return undefined;
  return numbers[0];
}
