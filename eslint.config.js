// Type-aware lint for zinc. Workflow code is held to Temporal's determinism rules by import bans.
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', '.zinc/', 'coverage/', 'src/gen/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no client,
    // worker or activity SDK, and from the rest of zinc only types and constants.ts files.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'workflow code must not import Node built-ins (it is not deterministic)',
            })),
            ...['@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
              name,
              message: 'workflow code may only use @temporalio/workflow and @temporalio/common',
            })),
          ],
          patterns: [
            {
              // Anything from an extension but its constants.ts (types are allowed below).
              regex: '(^|/)extensions/(?!\\w+/constants\\.js$)',
              allowTypeImports: true,
              message: 'workflows import only types and constants.ts from the extensions',
            },
            {
              regex: '(^|/)(temporal/(?!constants\\.js$)|platform/|core/|cli/|api/)',
              allowTypeImports: true,
              message: 'workflows import only types and constants from the rest of zinc',
            },
          ],
        },
      ],
    },
  },
);
