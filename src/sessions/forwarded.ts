/**
 * Text a user passes on but did not write, found by its shape. A message someone else wrote that the user
 * pasted into their own: found by the shape every mail client
 * gives it, in any language — a block of header lines (a capitalised label, a colon of any width, a value),
 * one of them carrying an address, where a message starts or right after a delimiter line. The block runs to
 * the next delimiter line or to the end of the user's message. No header's name is known here.
 */

// a header: a label of one to four words in any script, capitalised where the script has case (YAML and code
// keys are lower-case or carry `_`/digits), a colon of any width, a value
const header = /^[ \t]{0,8}[\p{Lu}\p{Lo}][\p{L}\p{M}.'-]{0,24}(?: [\p{L}\p{M}.'-]{1,24}){0,3}[ \t]?[:：][ \t]{0,8}\S/u;
const address = /[^\s@<>()"',;:]{1,64}@[^\s@<>()"',;:]{1,255}\.\p{L}{2,24}/u;
// a line that only separates: ---, ***, ___, ===, ~~~ (a mail client's "-----Original Message-----" too)
const delimiter = /^[ \t]{0,8}(?:[-_*=~]{3,80}|-{2,20}[^\n-]{1,40}-{2,20})[ \t]{0,8}$/u;

/** Character ranges [from, to) of `text` that are a pasted message by structure. */
export function pastedMailRanges(text: string): Array<[number, number]> {
  const lines = text.split('\n');
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.length + 1;
  }
  const ranges: Array<[number, number]> = [];
  let opened = true; // the message's start opens a block, as a delimiter line does
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (delimiter.test(line)) {
      opened = true;
      continue;
    }
    if (line.trim() === '') continue;
    if (!opened) continue;
    opened = false;
    let j = i;
    while (j < lines.length && j - i < 12 && header.test(lines[j]!)) j++;
    if (j - i < 2 || !lines.slice(i, j).some((l) => address.test(l))) continue;
    let end = j;
    while (end < lines.length && !delimiter.test(lines[end]!)) end++;
    ranges.push([starts[i]!, end < lines.length ? starts[end]! : text.length]);
    i = end - 1;
  }
  return ranges;
}

/**
 * Text a user passes on but did not write: a pasted message (below), quoted lines (`> …`), fenced
 * blocks, long quotations, and whatever follows a forwarding marker. It is someone else's voice, screened as from outside.
 */
export function splitForwarded(text: string): { own: string; forwarded: string[] } {
  const forwarded: string[] = [];
  let own = text;
  const take = (re: RegExp) => {
    own = own.replace(re, (m) => {
      forwarded.push(m);
      return ' ';
    });
  };
  // a pasted message (header lines with an address), whatever the language of its headers
  for (const [from, to] of pastedMailRanges(own).reverse()) {
    forwarded.push(own.slice(from, to));
    own = `${own.slice(0, from)} ${own.slice(to)}`;
  }
  take(
    /(?:^|\n)(?:-{3,} ?(?:forwarded|original) message ?-{3,}|(?:fwd?|forwarded):|begin forwarded message:)[\s\S]{0,100000}$/i,
  );
  take(/```[\s\S]{0,100000}?```/g);
  take(/(?:^|\n)>[^\n]{0,10000}(?:\n>[^\n]{0,10000}){0,2000}/g);
  // a quotation of several lines handed over whole: it opens a line and its closing mark ends one
  take(/(?:^|\n)[ \t]{0,8}["“«「„][^"”»」]{40,20000}["”»」“](?=[ \t]{0,8}(?:\n|$))/g);
  take(/["“«「][^"”»」\n]{40,4000}["”»」]/g);
  return { own, forwarded };
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const pastedMailPatterns: RegExp[] = [header, address, delimiter];
