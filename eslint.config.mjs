import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/, ground first: each imports only folders before it, so no import points up and no two
 * folders import each other. A new folder takes its place here.
 */
const srcLayers = [
  'util',
  'names',
  'notify',
  'anthropic',
  's3',
  'memory',
  'sessions',
  'claudeCode',
  'sources',
  'dream',
  'config',
  'cycle',
  'evaluate',
  'review',
  'audit',
  'snapshots',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.dreamgate/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', 'examples/**/*.js', 'test/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the review desk's page script runs in the browser
    files: ['app/review/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { document: 'readonly', fetch: 'readonly', IntersectionObserver: 'readonly' },
    },
  },
  {
    // workflow code runs in Temporal's deterministic sandbox: no I/O, no environment, no Node built-ins
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'child_process', 'os'],
              message: 'workflows must stay deterministic: do I/O in an activity',
            },
            {
              group: ['@aws-sdk/*', '@anthropic-ai/*', '../src/s3/*', '../app/*', '../app/**'],
              message: 'workflows must stay deterministic: do I/O in an activity',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'workflows must not read the environment' }],
    },
  },
  {
    // a file and a function stay small enough to read whole (issue 21); tests may run long
    files: ['**/*.ts'],
    ignores: ['test/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 400 }],
    },
  },
  // domain code never depends on the orchestration layer, and src/ is in layers (see srcLayers)
  ...srcLayers.map((folder, i) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows/**', '**/activities/**', '**/app/**'],
              message: 'src/ must not import workflows/, activities/ or app/',
            },
            {
              // Temporal is the orchestration layer: connections, settings and the stack live in app/
              group: ['@temporalio/*'],
              message:
                'src/ is domain code and imports no Temporal package: put Temporal code in app/, workflows/ or activities/',
            },
            ...(i + 1 < srcLayers.length
              ? [
                  {
                    group: srcLayers.slice(i + 1).map((above) => `**/${above}/**`),
                    message: `src/${folder} is below ${srcLayers.slice(i + 1).join(', ')} (srcLayers in eslint.config.mjs): move what both need down, never import up`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  {
    // a folder of src/ that is in no layer is refused: every folder takes its place in srcLayers
    files: ['src/**/*.ts'],
    ignores: srcLayers.map((folder) => `src/${folder}/**`),
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'Program', message: 'add this folder to srcLayers in eslint.config.mjs' },
      ],
    },
  },
);
