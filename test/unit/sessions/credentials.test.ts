import { describe, expect, it } from 'vitest';
import { credentialSpans } from '../../../src/sessions/credentials.js';
import { redactSecrets } from '../../../src/sessions/secrets.js';

const secretsOf = (text: string) => credentialSpans(text).map((s) => text.slice(s.start, s.end));

describe('credentials by structure, in every syntax', () => {
  it.each([
    ['env', 'SESSION_KEY=orange-tiger-river', 'orange-tiger-river'],
    ['export', 'export DB_PASS=Tr0ub4dor', 'Tr0ub4dor'],
    ['env, words only', 'OPENAI_API_KEY=correct-horse-battery-staple', 'correct-horse-battery-staple'],
    ['YAML', 'password: "j$9LmQ2x"', 'j$9LmQ2x'],
    ['JSON', '{"client_secret": "6da89121079f83b2eb6acccf8219ea98"}', '6da89121079f83b2eb6acccf8219ea98'],
    ['TOML', 'api_key = "Xq8LmZ2vT9wR4kP7"', 'Xq8LmZ2vT9wR4kP7'],
    ['code', 'const apiKey = "Kx9mP2vLq8Rt5wZ3";', 'Kx9mP2vLq8Rt5wZ3'],
    ['Go', 'password := "Sup3r$ecret"', 'Sup3r$ecret'],
    ['SQL', "ALTER ROLE app PASSWORD 'q9Lm2vXw7Tz';", 'q9Lm2vXw7Tz'],
    ['after a type annotation', 'val apiKey: String = "Kx9mP2vLq8Rt5wZ3"', 'Kx9mP2vLq8Rt5wZ3'],
    ['SQL IDENTIFIED BY', "CREATE USER bob IDENTIFIED BY 'Zq8!mW2x';", 'Zq8!mW2x'],
    ['connection string', 'Server=db;User Id=sa;Password=Sup3r$ecret;', 'Sup3r$ecret'],
    ['flag', 'mysql --password=Sup3rS3cret -u root', 'Sup3rS3cret'],
    ['flag, space', 'psql --password Sup3rS3cret', 'Sup3rS3cret'],
    ['curl -u', 'curl -u avi:Btl#Intra2026 -T index.html https://x.example/', 'Btl#Intra2026'],
    [
      'decorated markdown label',
      '- **Mapbox token (prod, `MAPBOX_TOKEN`)**: `pk.eyJ1IjoiYWNtZSIsImEiOiJjbHgyM30.Xq9vJ2mL8kR4tP7w`',
      'pk.eyJ1IjoiYWNtZSIsImEiOiJjbHgyM30.Xq9vJ2mL8kR4tP7w',
    ],
    ['Russian label', 'Пароль: Zx81vQ7mTa', 'Zx81vQ7mTa'],
    ['Chinese label', '数据库密码：Zx81vQ7mTa', 'Zx81vQ7mTa'],
    ['Thai label, head first', '- รหัสผ่าน admin หน้าเว็บ: Tt!Payroll2026x', 'Tt!Payroll2026x'],
    ['Hebrew label, head first', '- סיסמה לאינטראנט: Btl#Intra2026', 'Btl#Intra2026'],
    ['credentials pair', '- Credentials: admin / Hunter2024', 'Hunter2024'],
    ['table row', '| Password | Hunter2024! |', 'Hunter2024!'],
    ['table column', '| Service | Password |\n| --- | --- |\n| db | Hunter2024! |', 'Hunter2024!'],
    [
      'keyword near a token in prose',
      'The bot token is 123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0 (BotFather)',
      '123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0',
    ],
    [
      'compound name',
      '"private_key_id": "3f9b2c1d0e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4b",',
      '3f9b2c1d0e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4b',
    ],
    [
      'secret URL path',
      'webhook: https://open.example.cn/open-apis/bot/v2/hook/8f3c2a1e-7b9d-4e6f-a5c3-1d2b4e6f8a90',
      '8f3c2a1e-7b9d-4e6f-a5c3-1d2b4e6f8a90',
    ],
  ])('%s', (_syntax, text, secret) => {
    expect(secretsOf(text)).toContain(secret);
  });

  it.each([
    'ADMIN_PASSWORD=<ADMIN_PASSWORD>',
    'API_KEY=put-your-key-here',
    'password: $DB_PASSWORD',
    'encoding: plaintext',
    '- **Password encoding**: plaintext',
    'Password: plaintext',
    'token: <token>',
    '    val bio: String?,',
    '- All code must pass: `pnpm build --strict`',
    '    has_market_data: !!response.data.marketData,',
    '### Part 2: MCP+Context7',
    'type Secret = V1Secret',
    '- **Session Key**: agent:main:main',
    '  @field:Size(min = 8) val password: String? = null,',
    "  $ref: '#/components/schemas/Account'",
    '- `DEPLOY_TOKEN=[REDACTED:github-token]` (push to acme1840.github.io)',
    '- what: main model `acme/gemini-1.5-flash(API Key)`, backup `acme-labs/gemini-3-flash(OAuth)`',
    '- Key ID: 7QK2M9ZC4T — Issuer: 69a6de7e-2f1b-47e3-e053-5b8c7c11a4d1',
    'SIGNING_KEY=<from the vault: "acme SIGNING_KEY">',
    '`curl -H "X-Acme-Access-Token: $ACME_ADMIN_TOKEN" https://$ACME_HOST/admin/api/2024-01/orders.json`',
    'deploy --token "${{ secrets.DEPLOY_TOKEN }}"',
    'export ACME_API_KEY=$ACME_API_KEY',
    'password: <typed by Anna in the terminal>',
    'OCK_KEY=ock_xxxx…',
    'JWT_SECRET=your-jwt-secret-here-change-this-in-production',
    'SECRET=change-me',
    'password: ***',
    'private_key_path: ~/.ssh/id_rsa',
    'password rotation happens every 90 days',
    'The token expires at 2025-10-15T12:00:20.000Z',
    'cacheKey: user:123',
    'primaryKey = id',
    '- **API key:** stored as `CLAWMART_API_KEY` in systemd',
    '- **Password:** same as Proton (stored in `~/.openclaw/secrets/proton.txt`)',
    '| Setting | Value |\n| --- | --- |\n| password policy | 12 characters |',
    '- Email: ops@example.com / Password: [REDACTED:password]',
    // near a credential word, but with little entropy (2.6 bits a character): a pattern, not a key
    'the token format is abc123abc123abc123abc1 in every sample',
  ])('takes no placeholder, reference, name or prose for a secret: %j', (text) => {
    expect(secretsOf(text)).toEqual([]);
  });
});

describe('command-line flags of any tool, labels in any script, elided placeholders', () => {
  it.each([
    ['a Windows flag with a colon', 'cmdkey /add:fileserv /user:ops /pass:Tr0ub4dorZq88', 'Tr0ub4dorZq88'],
    ['a password after a Windows user flag', 'net use Z: \\\\nas\\share /user:backup Kq7mWzP2vRt9', 'Kq7mWzP2vRt9'],
    ['-p glued, beside -u', 'mysql -u root -pXv93kLmQ2wPz -h db.local', 'Xv93kLmQ2wPz'],
    ['-p spaced, beside -u', 'psexec \\\\host -u admin -p Hx82nQwLp5 cmd', 'Hx82nQwLp5'],
    ['-P quoted, beside -U', 'sqlcmd -S db -U sa -P "Wq5tZr8yMn3c"', 'Wq5tZr8yMn3c'],
    [
      'a Cyrillic label with a qualifier, letters only',
      '- **Пароль от стенда**: зеленыйтигрречной',
      'зеленыйтигрречной',
    ],
    ['a Japanese label with full-width brackets', '- **パスワード（本番）**: tigerstonecloud', 'tigerstonecloud'],
    ['a French label of several words', '- Mot de passe du wifi : papillonjaunevert', 'papillonjaunevert'],
    ['an ASCII key after a Chinese label', '- **API密钥**：Kx9mP2vLq8Rt5wZ3Yb7', 'Kx9mP2vLq8Rt5wZ3Yb7'],
  ])('%s', (_, text, secret) => {
    expect(secretsOf(text)).toContain(secret);
  });

  it.each([
    ['an elided key', 'export OPENAI_API_KEY=sk-proj-...'],
    ['an elided token', '- token: ghp_…'],
    ['a bare prefix', '- API key prefix: sk-live-'],
    ['-p with no value', 'mysql -u root -p -h db.local'],
    ['-p as a port', 'psql -U app -p 5432 orders'],
    ['a reference in a Windows flag', 'cmdkey /add:fileserv /user:ops /pass:$env:FILESERV_PASS'],
    ['a sentence after a label in a script without spaces', '- 密码：请向管理员索取并妥善保管好不要外传'],
    ['more words after a label', '- Пароль от почты: хранится в менеджере паролей'],
    // keys are written in ASCII: prose in another script after a key's label says where the key is
    [
      'a Japanese sentence after a key label',
      '- **JWT Secret**: 環境変数で管理、本番環境では強力なランダム文字列を使用',
    ],
    ['a Chinese sentence after a key label', '- **API密钥**：存放在环境变量里，不写进代码'],
  ])('leaves %s', (_, text) => {
    expect(secretsOf(text)).toEqual([]);
  });
});

describe('a redaction ends where the secret’s own charset ends', () => {
  it.each([
    ['full-width punctuation', 'deploy --token 9//0aQx7LmZ2vT9wR4kP7NbYc；CI 中改用 secret', '；CI 中改用 secret'],
    ['CJK right after', '部署 token: Zq81vW7mTa9kLp3Rx中改用环境变量', '中改用环境变量'],
    ['a closing corner bracket', '「password：Tortoise#2026!zh」と書いた', '」と書いた'],
    ['a closing quote', 'Пароль: Zx81kq!Lm» — не менять', '» — не менять'],
  ])('%s', (_what, text, kept) => {
    const spans = credentialSpans(text);
    expect(spans.length).toBeGreaterThan(0);
    expect(text.slice(Math.max(...spans.map((s) => s.end)))).toBe(kept);
  });
  it('keeps Latin letters with marks inside a password', () => {
    expect(secretsOf('Passwort: Köln2026!Dom')).toEqual(['Köln2026!Dom']);
  });
});

describe('examples, identifiers and references stay; the secret beside them goes', () => {
  it.each([
    [
      'a status down its column, not a label',
      '| T-1 | Settings | ✅ PASS | Save/load/defaults working |\n| T-2 | Router | ✅ PASS | All 8 routes |',
      [],
    ],
    [
      'a password column of two systems',
      '| db | Password | Xy7!kq2Lm |\n| api | Password | Rt5#mq8Zp |',
      ['Xy7!kq2Lm', 'Rt5#mq8Zp'],
    ],
    ['a path with a glob', '- Controllers: `api/app/Http/Controllers/Api/*Controller.php`', []],
    ['a YAML tag then a reference', 'evcc_password: !secret evcc_password', []],
    ['a YAML tag then a value', 'password: !!str Xk9mQ2!pLz', ['Xk9mQ2!pLz']],
    ['a variable expanded', 'docker run -v "${PWD}:/app" mcr.microsoft.com/playwright/dotnet:v1.52.0-noble', []],
    ['a PHP variable assigned', '$password = "Xk9mQ2!pLz";', ['Xk9mQ2!pLz']],
    [
      'an identifier beside its secret',
      'secretId = AKIDz8krbsJ5yKBZQpn74WFkmLPx3\nsecretKey = Yz7kQw2Lm9Xv4Tb8Nc1Hs6Jd3Fg0',
      ['Yz7kQw2Lm9Xv4Tb8Nc1Hs6Jd3Fg0'],
    ],
    ['a key’s id and its issuer', 'Key ID 7QK2M9ZC4T, issuer 69a6de7e-2f1b-47e3-e053-5b8c7c11a4d1', []],
    ['an app id', '**App ID**: cli_a8Kq2Lm9Xv4Tb8Nc1Hs6Jd', []],
    ['a name in a namespace', '- **Session Key**: agent:main:feishu:direct:ou_8ecfb716b16e34a44c0d1289ce525d7b', []],
    ['a label’s own word and a sequence', "const password = 'password123';\n# Login: admin / admin123", []],
    ['a chosen part after the user’s name', 'Credentials: admin / admin2024x', ['admin2024x']],
  ])('%s', (_, text, secrets) => {
    expect([...new Set(secretsOf(text))]).toEqual(secrets);
  });
});

describe('secrets a label in another shape still names', () => {
  it.each([
    [
      'a head-first label with a parenthetical, decorated',
      '- **Hasło do panelu Horizon (staging):** `Hz!4mq9TrL2x`',
      ['Hz!4mq9TrL2x'],
    ],
    [
      'a key with a run of one letter in it',
      'TURNSTILE_SECRET_KEY = "0x4AAAAAAAbQ7rT2pL9xWm3Kv8NcHs1Jd"',
      ['0x4AAAAAAAbQ7rT2pL9xWm3Kv8NcHs1Jd'],
    ],
    ['a masked key', 'API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx', []],
  ])('%s', (_, text, secrets) => {
    expect([...new Set(secretsOf(text))]).toEqual(secrets);
  });
});

describe('documented examples and references stay, by structure; the secrets beside them do not', () => {
  it.each([
    [
      'a password spelled with look-alikes in an API example',
      '{ "email": "user@example.com", "password": "P@ssw0rd!" }',
    ],
    ['the same with a word before it', '  "password": "NewP@ssw0rd!"'],
    ['words that describe themselves, with a count', 'OPENAI_API_KEY=sk-invalid-key-123'],
    ['a type whose words hold the label’s name', '- Password hashing: `UserPasswordHasherInterface` (argon2id)'],
    ['constraints listed after a password label', '- Hasło: `NotBlank`, `Length(min=8, max=4096)`.'],
    ['a default where a variable is expanded', '- DB_PASS=${DB_PASS:-password}'],
    ['a ratio after a label in capitals', 'DeleteEntityCommand.test.ts 9/9 PASS = 16/16 PASS'],
    ['a UUID in a payload’s plain field', '      "url_token": "d6f0b0aa-6bf6-4d0c-82b2-6d8a37e6dcff",'],
    ['a setting near a credential word', '- hardening: blowfish_secret kept, LoginCookieValidity=3600'],
    [
      'an id in the next clause after a credential word',
      '- login API answers HTTP 200; workflow `4LlPbAKU5BZLgiTg` reachable',
    ],
    [
      'a file under folders near a credential word',
      '- token review: see specs/100-infra/140-ocr-sidecar/review-report.md',
    ],
  ])('%s', (_, text) => {
    expect(secretsOf(text)).toEqual([]);
  });

  it.each([
    ['a chosen password with a credential word in it', '"password": "Password2024!Kq7"', 'Password2024!Kq7'],
    ['a default with a password’s mix', 'DB_PASS=${DB_PASS:-Zq8-tw!Lm2}', 'Zq8-tw!Lm2'],
    [
      'a UUID under an API key’s name',
      'HEROKU_API_KEY=6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
      '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
    ],
    ['a password of one word in a code span', '- Hasło: `Zielony7Ogród`'],
  ])('%s is redacted', (_, text, secret = 'Zielony7Ogród') => {
    expect(secretsOf(text)).toContain(secret);
  });
});

describe('a JWT is read by its decoded claims', () => {
  const sample =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
  const example =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6InVzZXJAZXhhbXBsZS5jb20iLCJyb2xlIjoiYWRtaW4ifQ.Xk9Lq2Vm7Tz4Wc8Nh1Rs6Dp3Fj0Gy5Ue';
  const real =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4ZjNhMmM3MS05ZDRlLTRiMWEtYTJmMC02YzVlN2Q4YjlhMDEiLCJlbWFpbCI6ImFuYUBhY21lLmlvIiwiaWF0IjoxNzE2MjM5MDIyfQ.Qm7Lz2Xv9Tb4Wc8Nh1Rs6Dp3Fj0Gy5Ue';
  const service = 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.Xk9Lq2Vm7Tz4Wc8Nh1Rs6Dp3Fj0Gy5Ue';

  it.each([
    ['the format’s own sample (a counting subject)', `Authorization: Bearer ${sample}`],
    ['a response example whose claims hold a reserved example address', `    "token": "${example}",`],
  ])('%s stays', async (_, text) => {
    expect((await redactSecrets(text)).text).toBe(text);
  });

  it.each([
    ['a token for a user id drawn at random', `"token": "${real}"`, real],
    ['a service role key', `SUPABASE_SERVICE_ROLE_KEY=${service}`, service],
  ])('%s is redacted', async (_, text, token) => {
    expect((await redactSecrets(text)).text).not.toContain(token.split('.')[1]);
  });
});

describe('a UUID is a secret only with evidence beyond its shape', () => {
  const uuid = '3f6c1d2e-8a7b-4c9d-b0e1-f2a3b4c5d6e7';
  it.each([
    ['a credential’s name a person gave it in a label', `- Zarinpal merchant key: ${uuid}`],
    ['a credential’s name in a config', `merchant_key = "${uuid}"`],
    ['a secret’s name', `payment_secret: ${uuid}`],
    ['an environment’s name', `PAYMENT_TOKEN=${uuid}`],
  ])('redacts one under %s', (_case, text) => {
    expect(secretsOf(text)).toContain(uuid);
  });
  it.each([
    ['an id’s name', `merchant_id: ${uuid}`],
    ['an id in an environment', `MERCHANT_ID=${uuid}`],
    ['a JSON payload’s field', `{ "url_token": "${uuid}" }`],
    ['a bare key (a map’s)', `{ key: '${uuid}', value: 'Americas' }`],
  ])('keeps one under %s', (_case, text) => {
    expect(secretsOf(text)).not.toContain(uuid);
  });
});
