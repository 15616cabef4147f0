/**
 * Credentials in a URL's query or fragment, wherever a URL is written (a shell's or PowerShell's command, code, a
 * markdown link, prose): a parameter whose name is a credential's (`api-key`, `access_token`, `apiKey`, `sig`
 * is not) holds one, as `?key=AIza…` and `#access_token=…` do. The WHATWG `URL` parser decides what is a URL
 * and `URLSearchParams` decodes each parameter's name; the value's own structure decides the rest.
 */
import { credentialName, familyOf } from './credentialNames.js';
import { secretValue, type Candidate } from './credentialValues.js';

/** A URL with a query or a fragment of parameters: a scheme, `://`, no spacing or quote up to its end. */
const urlWithQuery = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s"'`<>?#]{1,2048}[?#][^\s"'`<>]{1,4096}/gi;

/** Does the WHATWG URL parser read this as a URL with a host? */
function parses(url: string): boolean {
  try {
    return new URL(url).host !== '';
  } catch {
    return false;
  }
}

/** The decoded name of a `name=value` parameter, as `URLSearchParams` reads it. */
function paramName(raw: string): string {
  return [...new URLSearchParams(raw).keys()][0] ?? '';
}

/** Spans of the values of credential-named parameters in every URL of `text`. */
export function querySpans(text: string): Candidate[] {
  if (!text.includes('://')) return [];
  const out: Candidate[] = [];
  for (const m of text.matchAll(urlWithQuery)) {
    // a URL ends before the punctuation that closes the sentence, the link or the string around it
    const url = m[0].replace(/[.,;:!?)\]}]{1,4}$/, '');
    if (!parses(url)) continue;
    const start = url.search(/[?#]/);
    let at = m.index + start + 1;
    for (const raw of url.slice(start + 1).split(/[&;#]/)) {
      const eq = raw.indexOf('=');
      const name = eq > 0 ? paramName(raw) : '';
      if (eq > 0 && credentialName(name)) {
        const value = raw.slice(eq + 1);
        const words = name.toLowerCase().split(/[^a-z0-9]+/);
        const label = {
          family: familyOf(words[words.length - 1] ?? ''),
          strong: true,
          assignment: true,
          qualified: true,
          words,
        };
        const decoded = safeDecode(value);
        const v = { start: at + eq + 1, end: at + raw.length, text: decoded, quoted: false, source: text };
        if (value.length > 0 && secretValue(v, label))
          out.push({ start: v.start, end: v.end, kind: label.family === 'password' ? 'password' : 'url-query-key' });
      }
      at += raw.length + 1;
    }
  }
  return out;
}

/** The value percent-decoded (`%2B` is `+`); a `+` stays, as people write base64 in a URL unencoded. */
function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const queryPatterns: RegExp[] = [urlWithQuery];
