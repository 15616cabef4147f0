/**
 * Phone numbers as destinations, in international and national formats, by Google's numbering plans
 * (libphonenumber-js) rather than a shape of our own; and digits of every script read as ASCII, so a number
 * or an account written in Arabic-Indic, Persian, Devanagari or Thai digits is the same destination as its
 * ASCII copy in a translation.
 */
import { getCountries, parsePhoneNumberFromString } from 'libphonenumber-js/min';

const nonAscii = /[^ -~\s]/;
const digit = /\p{Nd}/u;

/** One decimal digit of any script as its ASCII digit: its distance from its block's zero. */
function asciiDigit(ch: string): string {
  const n = ch.normalize('NFKC');
  if (/^[0-9]$/.test(n)) return n;
  const cp = ch.codePointAt(0)!;
  let v = 0;
  while (v < 9 && digit.test(String.fromCodePoint(cp - v - 1))) v++;
  return String(v);
}

/** `text` with every decimal digit written in ASCII and direction marks dropped (`‎+٩٦٦ ٥٠` → `+966 50`). */
export function foldDigits(text: string): string {
  if (!nonAscii.test(text)) return text;
  return text.replace(/[\u200E\u200F\u061C]/g, '').replace(/\p{Nd}/gu, (ch) => (ch < '\x80' ? ch : asciiDigit(ch)));
}

// groups of digits apart by one space, dot or hyphen, a group in parentheses once; never inside a word or a longer number
const international = /(?<![\w+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){1,6}(?![\d]|[.-]\d)/g;
const national = /(?<![\w+.,:/-])(?:\(\d{1,5}\)|\d{2,5})(?:[ .-]\d{2,5}){1,4}(?![\w]|[.,:/-]\d)/g;
// numbers that are not phones by their shape: dates, and amounts grouped by thousands (`12 345 678`, `10.000.000`)
const notPhone =
  /^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,3}(?:\.\d{3}){1,4}|\d{1,3}(?: \d{3}){1,4})$/;
const countries = getCountries();
const candidatesAtMost = 20;

/** The key of a number: its national significant number (no country code, no trunk prefix). */
const key = (nsn: string) => `phone:${nsn.replace(/^0+/, '')}`;

/** A national number valid in some country's numbering plan: its key, else undefined. */
function nationalKey(text: string): string | undefined {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 12 || notPhone.test(text)) return undefined;
  for (const c of countries) {
    const p = parsePhoneNumberFromString(text, c);
    if (p?.isValid()) return key(p.nationalNumber);
  }
  return undefined;
}

/** Every phone number in `text` (digits already folded), as written and keyed. */
export function phonesIn(text: string): { key: string; text: string }[] {
  const out: { key: string; text: string }[] = [];
  for (const m of text.matchAll(international)) {
    const p = parsePhoneNumberFromString(m[0]);
    if (p?.isPossible()) out.push({ key: key(p.nationalNumber), text: m[0] });
  }
  // the national part of an international number is not a second number
  const rest = out.length === 0 ? text : text.replace(international, (m) => ' '.repeat(m.length));
  let tried = 0;
  for (const m of rest.matchAll(national)) {
    if (++tried > candidatesAtMost) break;
    const k = nationalKey(m[0]);
    if (k) out.push({ key: k, text: m[0] });
  }
  return out;
}

/** The patterns here, for the test that checks each quantifier is bounded. */
export const phonePatterns: RegExp[] = [international, national, notPhone];
