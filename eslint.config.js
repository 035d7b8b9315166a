import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Money paths: the engine never formats or parses money as floats (benchmarks may print ratios).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='parseFloat']", message: 'Money is integer fen: no parseFloat.' },
        { selector: "CallExpression[callee.property.name='toFixed']", message: 'Money is integer fen: no toFixed.' },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'path', '../app/*', '../store/*', '../cli/*'] }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The domain gets time from events, never the clock.' },
        { object: 'Math', property: 'random', message: 'The domain gets randomness from recorded seeds.' },
      ],
    },
  },
);
