/**
 * Destinations: where a line could send data or send a reader. A URL's or a bare host's name, an e-mail
 * address, a handle, a phone number, a wallet or bank account, a network share, a path on disk. Each is
 * reduced to a key, so the same destination written two ways is one (`https://www.x.io/a` and `x.io`).
 * Hosts are told from file names by the public suffix list (tldts), not by a list of our own.
 */
import { isValidIBAN } from 'ibantools';
import { parse } from 'tldts';
import { foldDigits, phonePatterns, phonesIn } from './phones.js';

export type DestinationKind = 'host' | 'email' | 'handle' | 'phone' | 'wallet' | 'account' | 'path';

export interface Destination {
  kind: DestinationKind;
  /** What identifies it: `host:x.io`, `email:a@x.io`, `path:/srv/share`. */
  key: string;
  /** As written. */
  text: string;
}

/** Suffixes reserved for documentation, tests and private networks (RFC 2606, RFC 6761, ICANN's `.internal`). */
const reserved = new Set(['example', 'invalid', 'test', 'internal', 'onion', 'local']);
const loopback = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[?::1\]?)$/;

const url = /\b[a-z][a-z0-9+.-]{1,20}:\/\/(?:[^\s/@<>"'`]{1,200}@)?(\[[0-9a-f:.]{2,45}\]|[^\s/:?#<>"'`)\]]{1,253})/gi;
const email = /(?<![\w.+-])[\w.+-]{1,64}@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8})/gi;
// a handle may follow a prefix joined by a hyphen in a script written without ASCII letters (Hebrew `ל-@name`)
const handle = /(?<![\w.@/]|[\w.@/]-)@([a-z0-9_][\w-]{1,38}(?:\.[\w-]{1,40}){0,4})(?![\w/(-])/gi;
// a base58 address of 32–44 characters (Bitcoin, Tron, Solana…), or of 95 or 106 (Monero, standard or integrated)
const wallet =
  /\b(?:0x[a-fA-F0-9]{40}|bc1[a-z0-9]{25,62}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|[1-9A-HJ-NP-Za-km-z]{32,44}|[48][1-9A-HJ-NP-Za-km-z]{94}(?:[1-9A-HJ-NP-Za-km-z]{11})?)\b/g;
const iban = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const share = /\\\\([\w.-]{1,100})\\[^\s]{1,200}/g;
const drivePath = /(?<![\w])([A-Za-z]):\\((?:[^\\\s:*?"<>|]{1,80}\\){1,20}[^\\\s:*?"<>|]{0,80})/g;
// a host written without its scheme but with a path (`t.me/name`, `wa.me/123`) is an address however short its name
const hostWithPath = /(?<![\w.@/:-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,6}[a-z]{2,24})\/[\w~%-]/gi;
const path = /(?<![\w.~/:@-])(?:~\/|\/)(?:[\w.@-]{1,80}\/){1,20}[\w.@-]{0,80}/g;
const bareHost = /(?<![\w.@/:-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,6}[a-z]{2,24})(?![\w-]|\.[a-z0-9])/gi;

/** Is `host` a name of the internet (or a reserved one), not a file name like `README.md` or `app.config.ts`? */
function hostName(host: string, bare: boolean): boolean {
  const p = parse(host, { allowPrivateDomains: false });
  const suffix = p.publicSuffix ?? '';
  if (!p.isIcann && !reserved.has(suffix)) return false;
  if (!bare) return true;
  // a bare `name.md` or `setup.py` is a file more often than a host: two labels need a suffix of 3+ letters
  return host.split('.').length >= 3 || suffix.length >= 3;
}

const hostKey = (host: string) =>
  `host:${host
    .toLowerCase()
    .replace(/^www\./, '')
    .replace(/\.$/, '')}`;

/** Every destination in `text`, each once. */
export function destinationsIn(written: string): Destination[] {
  const text = foldDigits(written);
  const out = new Map<string, Destination>();
  const add = (kind: DestinationKind, key: string, t: string) => {
    if (!out.has(key)) out.set(key, { kind, key, text: t });
  };
  for (const m of text.matchAll(url)) {
    const host = m[1]!.replace(/[.,;:!?]{1,4}$/, '');
    if (!loopback.test(host)) add('host', hostKey(host), m[0]);
  }
  for (const m of text.matchAll(email)) if (hostName(m[1]!, false)) add('email', `email:${m[0].toLowerCase()}`, m[0]);
  for (const m of text.matchAll(handle)) {
    const h = m[1]!.replace(/[.]{1,4}$/, '');
    add('handle', `handle:${h.toLowerCase()}`, `@${h}`);
  }
  for (const p of phonesIn(text)) add('phone', p.key, p.text);
  for (const m of text.matchAll(wallet)) {
    const w = m[0];
    // base58 without both cases is more likely a hash or an id than an address
    if (/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(w) && !(/[a-z]/.test(w) && /[A-Z]/.test(w) && /\d/.test(w))) continue;
    add('wallet', `wallet:${w.startsWith('0x') ? w.toLowerCase() : w}`, w);
  }
  for (const m of text.matchAll(iban)) {
    const account = m[0].replace(/ /g, '');
    if (isValidIBAN(account)) add('account', `account:${account}`, m[0]);
  }
  for (const m of text.matchAll(share)) add('host', hostKey(m[1]!), m[0]);
  for (const m of text.matchAll(drivePath)) {
    const rest = m[2]!.replace(/[.,;:]{1,4}$/, '').replace(/\\/g, '/');
    if (rest.split('/').filter(Boolean).length >= 2) add('path', `path:${m[1]!.toLowerCase()}:/${rest}`, m[0]);
  }
  for (const m of text.matchAll(hostWithPath)) if (hostName(m[1]!, false)) add('host', hostKey(m[1]!), m[0]);
  for (const m of text.matchAll(path)) {
    const p = m[0].replace(/[.,;:]{1,4}$/, '');
    if (p.split('/').filter(Boolean).length >= 2) add('path', `path:${p.replace(/\/$/, '')}`, p);
  }
  for (const m of text.matchAll(bareHost)) {
    const host = m[1]!;
    if (!hostName(host, true)) continue;
    // the host of an address already found is that address's
    const key = hostKey(host);
    if ([...out.values()].some((d) => d.kind === 'email' && d.key.endsWith(`@${host.toLowerCase()}`))) continue;
    add('host', key, host);
  }
  return [...out.values()].slice(0, 200);
}

/** A path's folders two levels deep or more (`~/.app`, `/srv/share`), then the path itself. */
function folders(key: string): string[] {
  const p = key.slice('path:'.length);
  const root = p.startsWith('/') ? '/' : '';
  const segs = p.split('/').filter(Boolean);
  return segs.slice(1).map((_, i) => `path:${root}${segs.slice(0, i + 2).join('/')}`);
}

/**
 * Does `known` (keys seen in trusted text) cover destination `d`? A host is covered by itself or a parent
 * the user or the store named (`x.io` covers `api.x.io`); a path by a known folder two levels deep or more.
 */
export function covered(d: Destination, known: (key: string) => boolean): boolean {
  if (known(d.key)) return true;
  if (d.kind === 'host') {
    const labels = d.key.slice('host:'.length).split('.');
    for (let i = 1; i < labels.length - 1; i++) if (known(`host:${labels.slice(i).join('.')}`)) return true;
  }
  return d.kind === 'path' && folders(d.key).some(known);
}

/** The keys a destination makes known: itself and, for a path, each of its folders two levels deep or more. */
export const knownKeys = (d: Destination): string[] => (d.kind === 'path' ? [...folders(d.key), d.key] : [d.key]);

/** A path relative to where a command runs: `./x`, a dotfile (`.gitignore`), folders (`src/app.ts`), `x.json`. */
const relativePath =
  /(?<![\w./~:@-])(?:\.{1,2}\/[\w.@-]{1,80}|\.[\w-]{1,80}(?:\.[\w-]{1,20}){0,3}|[\w-]{1,80}(?:\/[\w.@-]{1,80}){1,20}|[\w-]{1,80}\.[A-Za-z0-9]{1,8})(?![\w/@-])/;

/**
 * Does a tool call (its input, as text) read the agent's own workspace? It names a relative path (so it runs
 * where the agent works: `cat .gitignore`, `git check-ignore .env.local`) and no address outside it: no host,
 * e-mail, handle, phone, wallet or account, and no absolute path. A root-anchored path in what it prints
 * (`/prompts/drafts/` in a .gitignore) resolves against the workspace, not the machine.
 */
export function readsWorkspace(input: string): boolean {
  return relativePath.test(input) && destinationsIn(input).length === 0;
}

/** The first folder of an absolute path key (`path:/home/u/x` → `home`), or undefined for `~/…`. */
export const topFolder = (key: string): string | undefined =>
  key.startsWith('path:/') ? key.slice('path:/'.length).split('/')[0] : undefined;

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const destinationPatterns: RegExp[] = [
  url,
  email,
  handle,
  ...phonePatterns,
  wallet,
  iban,
  share,
  drivePath,
  hostWithPath,
  path,
  bareHost,
  relativePath,
];
