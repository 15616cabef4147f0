import { describe, expect, it } from 'vitest';
import { sentencesOf, withoutPieces } from '../../../src/sessions/lineSentences.js';

describe("a line's sentences, as pieces that give the line back", () => {
  it('splits at a stop or `; ` followed by a space, in any script, and at nothing else', () => {
    const line = '- Hind 19.50 €; tarne reedel. ஒப்பந்தம் முடிந்தது। 送货时间已改。 v1.2 ok';
    const pieces = sentencesOf(line);
    expect(pieces.join('')).toBe(line);
    expect(pieces).toEqual(['- Hind 19.50 €; ', 'tarne reedel. ', 'ஒப்பந்தம் முடிந்தது। ', '送货时间已改。 ', 'v1.2 ok']);
    expect(sentencesOf('- see https://x.example/a.b and e.g.x')).toHaveLength(1);
  });

  it('keeps the pieces not held, with the line’s marker when the first piece is taken', () => {
    expect(withoutPieces('- A 1; B 2. C', [2])).toBe('- A 1; B 2.');
    expect(withoutPieces('  - [x] Order here. Fact 2', [0])).toBe('  - [x] Fact 2');
    expect(withoutPieces('> Order here. Fact 2', [0])).toBe('> Fact 2');
    expect(withoutPieces('- A. B', [])).toBeUndefined();
    expect(withoutPieces('- A. B', [0, 1])).toBeUndefined();
  });
});
