// Type-aware lint for zinc. Workflow code is held to Temporal's determinism rules by import bans.
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** An extension's internals: anything of it but its front door and its leaf modules. */
const EXTENSION_INTERNALS = {
  regex: '(^|/)extensions/\\w+/(?!(index|constants|section|records)\\.js$)',
  message:
    "use the extension's front door (its index.ts; constants.ts, section.ts and a read-only records.ts are public too)",
};
const EXTENSIONS = ['submission', 'pipeline'];

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
    // Outside an extension, only its front door: index.ts (and the leaf constants.ts, section.ts).
    files: ['src/**/*.ts'],
    ignores: ['src/extensions/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [EXTENSION_INTERNALS] }] },
  },
  // Extensions never import each other; the composition root links them.
  ...EXTENSIONS.map((name) => ({
    files: [`src/extensions/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `(^|/)(\\.\\.|extensions)/(${EXTENSIONS.filter((n) => n !== name).join('|')})/`,
              message:
                'extensions never import each other; the composition root (src/main) links them',
            },
          ],
        },
      ],
    },
  })),
  {
    // The platform is the bottom layer: it imports nothing of zinc but the failure types.
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!failures\\.js$)',
              message: 'src/platform imports nothing of the rest of zinc (but failures.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // Configuration comes from the loader (src/config); nobody else reads the environment.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/temporal/cli-binary.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'read configuration from the loaded ZincConfig (src/config), not the environment',
        },
      ],
    },
  },
  {
    // Every failure type is a class in src/failures.ts, keyed by its stable name.
    files: ['src/**/*.ts'],
    ignores: ['src/failures.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ClassDeclaration[superClass.name='Error']",
          message: 'failure types live in src/failures.ts (one class each, with their kind)',
        },
      ],
    },
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
              // Traces: the SDK's interceptors trace workflows. Of that package only the
              // workflow side belongs in the sandbox (its main entry holds the client's and the
              // worker's); the OpenTelemetry SDK itself stays out.
              regex:
                '^(@temporalio/interceptors-opentelemetry(?!/lib/workflow-interceptors$)|@opentelemetry/)',
              message:
                'workflow code may use only @temporalio/interceptors-opentelemetry/lib/workflow-interceptors of OpenTelemetry',
            },
            {
              // Anything from an extension but its constants.ts (types are allowed below).
              regex: '(^|/)extensions/(?!\\w+/constants\\.js$)',
              allowTypeImports: true,
              message: 'workflows import only types and constants.ts from the extensions',
            },
            // Types too come through the front door.
            EXTENSION_INTERNALS,
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
