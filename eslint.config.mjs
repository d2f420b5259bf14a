// Lint: typed rules where they catch real bugs (floating promises), no console in server code, and the layers:
// which package each layer may import (the TypeScript project references already stop imports across layers' files).
import tseslint from 'typescript-eslint';

const vscodeApi = { name: 'vscode', message: 'Only the client talks to the VS Code API.' };
const lspPackages = {
  group: ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageclient', 'vscode-languageclient/*', 'vscode-jsonrpc', 'vscode-jsonrpc/*'],
  message: 'LSP libraries belong to server/src/lsp (server side) and client/ (client side).',
};
const treeSitter = { group: ['tree-sitter', 'tree-sitter-c'], message: 'The parser has one home: server/src/engine/index.' };
const serverInternals = {
  group: ['**/server/src/engine/**', '**/server/src/lsp/**', '**/server/src/cli/**', '**/models/src/**', '@irqlens/models'],
  message: 'The client may import only server/src/protocol.',
};
const nodeBuiltins = { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'], message: 'The models are plain data in, plain data out: no Node.' };
const restrict = (paths, patterns) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'scripts/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['server/src/**/*.ts', 'models/src/**/*.ts'], ignores: ['server/src/cli/**'], rules: { 'no-console': 'error' } },
  // Layers and the packages they may use.
  { files: ['models/src/**/*.ts'], rules: restrict([vscodeApi], [lspPackages, treeSitter, nodeBuiltins, { group: ['**/server/**', '**/client/**'], message: 'The models depend on nothing.' }]) },
  { files: ['server/src/engine/**/*.ts'], ignores: ['server/src/engine/index/**'], rules: restrict([vscodeApi], [lspPackages, treeSitter]) },
  { files: ['server/src/engine/index/**/*.ts'], rules: restrict([vscodeApi], [lspPackages]) },
  { files: ['server/src/protocol/**/*.ts'], rules: restrict([vscodeApi], [treeSitter, { group: ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageclient', 'vscode-languageclient/*'], message: 'The protocol uses vscode-languageserver-protocol types only.' }]) },
  { files: ['server/src/lsp/**/*.ts', 'server/src/server.ts'], rules: restrict([vscodeApi], [treeSitter, { group: ['vscode-languageclient', 'vscode-languageclient/*'], message: 'The client library belongs to client/.' }]) },
  { files: ['server/src/cli/**/*.ts'], rules: restrict([vscodeApi], [treeSitter, { group: ['vscode-languageclient', 'vscode-languageclient/*'], message: 'The client library belongs to client/.' }]) },
  { files: ['client/**/*.ts'], rules: restrict([], [treeSitter, serverInternals, { group: ['vscode-languageserver', 'vscode-languageserver/*'], message: 'The server library belongs to server/src/lsp.' }]) },
);
