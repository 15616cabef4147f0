import { describe, expect, it } from 'vitest';
import { identifiers, sameError, signatureOf, similarity } from '../../../src/sessions/errorSignature.js';

describe('error signatures compared by similarity', () => {
  const unsupported = (field: string, doc: string) =>
    `StoreError: write() called with invalid data. Unsupported value: undefined (in field ${field} of record ${doc})`;

  it('takes the same message with another field and id as the same error', () => {
    expect(sameError(unsupported('reason', 'inbox/msg_77b1'), unsupported('notes', 'visits/apt_2207'))).toBe(true);
    expect(signatureOf(unsupported('reason', 'inbox/msg_77b1'))).toContain('<path>');
  });

  it('takes another code or exception name as another error, however alike the words', () => {
    expect(sameError('npm ERR! code E403 forbidden', 'npm ERR! code E404 forbidden')).toBe(false);
    expect(sameError('Upload failed. [code: 8000007]', 'Upload failed. [code: 8000009]')).toBe(false);
    expect(sameError(unsupported('a', 'x/y1'), unsupported('a', 'x/y1').replace('StoreError', 'IndexError'))).toBe(
      false,
    );
  });

  it('takes a code printed alone and the same code with its message after it as one error', () => {
    const full = 'Error: Q2041 The queue broker at `mq-7f3a.internal:5672` was reached but refused the login.';
    expect(identifiers('Error: Q2041')).toEqual(['Q2041']);
    expect(sameError('Error: Q2041', full)).toBe(true);
    // a log prefix and the next lines run into the message: the named message is still said whole in it
    expect(
      sameError(
        "ImportError: cannot import name 'Pool'",
        "7 host python3[4411]: ImportError: cannot import name 'Pool' 7 host systemd[1]: app.service: exited",
      ),
    ).toBe(true);
    expect(sameError('Error: Q2041', 'Error: Q2042 The queue broker refused the login.')).toBe(false);
  });

  it('keeps different messages apart', () => {
    expect(sameError('TypeError: x.map is not a function', 'TypeError: Cannot read properties of null')).toBe(false);
    expect(similarity('a b c d', 'e f g h')).toBe(0);
  });

  it('names an error by its exception, its qualified name or its code, as printed', () => {
    expect(identifiers('app.db.errors.HistoryMismatch: step 4 ran before step 3')).toEqual(['HistoryMismatch']);
    expect(identifiers('Project missing. [code: 7001234]')).toEqual(['code: 7001234']);
    // a level word in capitals is a mark, not a name
    expect(identifiers('ERROR: could not resolve host')).toEqual([]);
  });

  it('gives versions, numbers and quoted values their shape', () => {
    expect(signatureOf("pkg v6.4.8 needs 'php' >=8.1")).toBe(signatureOf("pkg v7.0.1 needs 'node' >=9.2"));
  });
});
