// The one place that hides secrets in URLs before anything is printed or logged: database URLs, node URLs,
// commander's error messages (which echo option values), the logger's fields. Operators do paste passwords
// with unencoded `@`, `/`, `:` or `%` in them, which a URL parser rejects or splits in the wrong place, so
// this works on the text: everything before the LAST `@` of a URL is user information. Hiding too much (a
// host when a query value holds an `@`) is acceptable; showing a password is not.

const SCHEME = /[a-zA-Z][a-zA-Z0-9+.-]*:\/\//g;
/** Query parameters that carry credentials (libpq's password and sslpassword, API tokens). */
const SECRET_PARAMS =
  /([?&](?:password|sslpassword|passwd|pass|pwd|token|api[-_]?key|secret|access[-_]?token)=)[^&#\s'"]*/gi;
export const HIDDEN = '***';

/** A URL with its password (and any credential query parameter) replaced by `***`; the user name stays. */
export function redactUrl(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([\s\S]*)$/.exec(url);
  if (!m) return url.replace(SECRET_PARAMS, `$1${HIDDEN}`);
  const scheme = m[1]!;
  let rest = m[2]!;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    // No colon: a lone user name (postgres://postgres@host) unless it looks like a token; hide tokens.
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const shown = colon >= 0 ? `${user}:${HIDDEN}` : looksLikeToken(user) ? HIDDEN : user;
    rest = `${shown}${rest.slice(at)}`;
  }
  return `${scheme}${rest}`.replace(SECRET_PARAMS, `$1${HIDDEN}`);
}

/** Every URL inside free text (an error message, a log line) redacted; the rest of the text unchanged. */
export function redactSecrets(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  let out = '';
  let last = 0;
  SCHEME.lastIndex = 0;
  for (let m = SCHEME.exec(text); m !== null; m = SCHEME.exec(text)) {
    // A URL ends at whitespace or at a quote that closes it (commander quotes the values it echoes).
    const start = m.index;
    const before = text[start - 1];
    const closer = before === "'" || before === '"' || before === '`' ? before : undefined;
    let end = closer !== undefined ? closingQuote(text, start, closer) : -1;
    if (end < 0) {
      end = start;
      while (end < text.length && !/\s/.test(text[end]!)) end++;
    }
    out += text.slice(last, start) + redactUrl(text.slice(start, end));
    last = end;
    SCHEME.lastIndex = Math.max(end, start + 1);
  }
  return (out + text.slice(last)).replace(SECRET_PARAMS, `$1${HIDDEN}`);
}

/** The quote that ends a quoted value: followed by the end, whitespace or punctuation (a password may hold a space). */
function closingQuote(text: string, from: number, quote: string): number {
  for (let i = text.indexOf(quote, from); i >= 0; i = text.indexOf(quote, i + 1))
    if (i + 1 === text.length || /[\s.,;:)\]]/.test(text[i + 1]!)) return i;
  return -1;
}

/** A user name of 20+ characters of key alphabet (https://KEY@node) is more likely a credential than a name. */
function looksLikeToken(user: string): boolean {
  return user.length >= 20 && /^[A-Za-z0-9._~%+-]+$/.test(user);
}
