import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['pkg/**', 'target/**', 'node_modules/**', 'fuzz/**', 'test-results/**', 'www/dist/**'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      ecmaVersion: 2023,
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
];
