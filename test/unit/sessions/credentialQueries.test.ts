import { describe, expect, it } from 'vitest';
import { querySpans } from '../../../src/sessions/credentialQueries.js';
import { redactSecrets } from '../../../src/sessions/secrets.js';

const valuesOf = (text: string) => querySpans(text).map((s) => text.slice(s.start, s.end));

describe('credentials in a URL’s query, wherever a URL is written', () => {
  it.each([
    [
      'PowerShell, a key in capitals and digits',
      'Invoke-RestMethod -Uri "https://api.example.com/v1/sms?receptor=0912&api-key=F00DBABE1234F00D" -Method Get',
      'F00DBABE1234F00D',
    ],
    [
      'curl',
      "curl 'https://maps.example.com/api/geocode?address=x&key=AIzaXk29fLq81mZp0RtY7wVb'",
      'AIzaXk29fLq81mZp0RtY7wVb',
    ],
    [
      'a fragment (OAuth)',
      'redirected to https://app.example.com/cb#access_token=EAAB2x9Kq0LmZp71RtYw&state=x',
      'EAAB2x9Kq0LmZp71RtYw',
    ],
    [
      'percent-encoded',
      'GET https://x.example.net/q?apiKey=AbC%2Bdef%2F12gh34IJ%3D%3D HTTP/1.1',
      'AbC%2Bdef%2F12gh34IJ%3D%3D',
    ],
    [
      'a markdown link',
      '[forecast](https://w.example.org/f?city=Tehran&appid_token=9f8e7d6c5b4a3928).',
      '9f8e7d6c5b4a3928',
    ],
  ])('%s', async (_case, text, secret) => {
    expect(valuesOf(text)).toContain(secret);
    expect((await redactSecrets(text)).text).not.toContain(secret);
  });

  it.each([
    ['a slot', 'https://api.example.com/x?api_key=<YOUR_API_KEY>'],
    ['a variable', 'Invoke-RestMethod -Uri "https://api.example.com/x?api-key=$env:WEATHER_KEY"'],
    ['an environment variable’s name', 'https://api.example.com/x?api_key=WEATHER_API_KEY'],
    ['a template', 'https://api.example.com/x?token={{token}}'],
    ['a masked value', 'https://api.example.com/x?key=xxxxxxxxxxxx'],
    ['no credential’s name', 'https://shop.example.com/p?id=9f8e7d6c5b4a3928&sig=ok&page=2'],
    ['not a URL', 'use ?api-key=9f8e7d6c5b4a3928 in the query'],
  ])('keeps %s', (_case, text) => {
    expect(valuesOf(text)).toEqual([]);
  });
});
