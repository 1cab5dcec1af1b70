// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeOnly = [
  'electron',
  'node:*',
  'fs',
  'path',
  'os',
  'net',
  'tls',
  'https',
  'http',
  'child_process',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-electron/',
      'release/',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  {
    // The call page runs in a browser or a sandboxed renderer: no Node, no Electron, no main.
    files: ['renderer/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: nodeOnly,
              message: 'The renderer runs in a browser: no Node or Electron APIs.',
            },
            {
              group: ['**/main/**'],
              message: 'The renderer reaches main only through the bridge.',
            },
          ],
        },
      ],
    },
  },
  {
    // The server runs standalone on a VPS: no Electron, no app code.
    files: ['signaling-server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron'], message: 'The signaling server is plain Node.' },
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'The server imports common/ only.',
            },
          ],
        },
      ],
    },
  },
  {
    // What every process shares runs in browsers too, and imports nothing else of the app.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeOnly, message: 'Shared contracts run in browsers too.' },
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**', '**/signaling-server/**'],
              message: 'common/ imports nothing but itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**'],
              message: 'The preload talks to main over IPC only.',
            },
          ],
        },
      ],
    },
  },
);
