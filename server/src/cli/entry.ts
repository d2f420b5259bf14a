#!/usr/bin/env node
// The `irqlens` command: loads the CLI bundle (out/cliMain.js, built from main.ts) through V8's code cache
// (codeCache.ts), then runs it. IRQLENS_NO_CODE_CACHE=1 compiles it afresh and leaves the cache alone.
import * as path from 'node:path';
import { codeCacheDir, requireWithCodeCache } from './codeCache';

const dir = process.env.IRQLENS_NO_CODE_CACHE ? undefined : codeCacheDir();
const cli = requireWithCodeCache(path.join(__dirname, 'cliMain.js'), dir, module) as { runCli(argv: string[]): void };
cli.runCli(process.argv);
