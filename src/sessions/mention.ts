/**
 * Use and mention: a line that quotes an instruction (`attackers hide “ignore previous instructions …” in
 * pages`) speaks about it; what stands inside its quotation marks is no order to its reader. The phrase
 * signals read a text with its quotations blanked out (lengths kept, so positions still hold). Any script's
 * paired quotation marks; a quotation ends at its line.
 */
const quotation =
  /“[^”\n]{1,400}”|„[^“”\n]{1,400}[“”]|"[^"\n]{1,400}"|«[^»\n]{1,400}»|「[^」\n]{1,400}」|『[^』\n]{1,400}』/gu;

/** `text` with what its quotation marks enclose replaced by spaces. */
export const withoutQuotations = (text: string): string => text.replace(quotation, (q) => ' '.repeat(q.length));

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const mentionPatterns: RegExp[] = [quotation];
