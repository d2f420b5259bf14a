// The extension's settings, one table for the client, the server and the package.json check (test/protocol/configuration.test.ts).
// Pattern from bash-language-server's config.ts: the manifest's `contributes.configuration` must match this table.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface IrqLensSettings {
  trees: string[];
  include: string[];
  exclude: string[];
  trace: { server: 'off' | 'messages' | 'verbose' };
  logLevel: LogLevel;
  /** Which lenses the server shows above functions. */
  lens: { flows: boolean; calls: boolean };
  /** Size limit of the index cache folder, in MB (least recently used entries are evicted). */
  cache: { maxSizeMB: number };
  /** Files larger than this many MiB are skipped without being read (`irqlens.maxFileSize`). */
  maxFileSize: number;
}

export interface SettingSpec {
  type: 'array' | 'string' | 'boolean' | 'number';
  default: unknown;
  minimum?: number;
  description: string;
  enum?: readonly string[];
  items?: { type: 'string' };
  scope?: 'window' | 'resource' | 'machine-overridable';
}

export const settingsSection = 'irqlens';

/** Keys are the full setting names as they appear in package.json. */
export const settingSpecs: Record<string, SettingSpec> = {
  'irqlens.trees': {
    type: 'array',
    items: { type: 'string' },
    default: [],
    description:
      'Source trees to index, as paths relative to the workspace folder (or absolute). Empty: detect Xen, QEMU and Linux trees below each workspace folder, else index the folder itself.',
    scope: 'resource',
  },
  'irqlens.include': {
    type: 'array',
    items: { type: 'string' },
    default: ['**/*.c', '**/*.h'],
    description: 'Glob patterns (relative to each tree) of the files to index.',
    scope: 'resource',
  },
  'irqlens.exclude': {
    type: 'array',
    items: { type: 'string' },
    default: [],
    description: 'Glob patterns (relative to each tree) of files to leave out. `.git`, build outputs and `node_modules` are always skipped.',
    scope: 'resource',
  },
  'irqlens.cache.maxSizeMB': {
    type: 'number',
    default: 2048,
    minimum: 0,
    description:
      'Size limit of the index cache (the trees\' caches and the extractions kept by file content, which let another version of a tree or a branch switch skip parsing unchanged files), in MB. Least recently used entries are evicted.',
    scope: 'machine-overridable',
  },
  'irqlens.trace.server': {
    type: 'string',
    enum: ['off', 'messages', 'verbose'],
    default: 'off',
    description: 'Traces the communication between VS Code and the IRQ Lens language server.',
    scope: 'window',
  },
  'irqlens.logLevel': {
    type: 'string',
    enum: ['error', 'warn', 'info', 'debug'],
    default: 'info',
    description: 'How much the language server logs to the IRQ Lens output channel.',
    scope: 'window',
  },
  'irqlens.lens.flows': {
    type: 'boolean',
    default: true,
    description: 'Show a lens above every function linked to an interrupt-flow step: the flow and position, the previous and next step, and "Simulate from here".',
    scope: 'window',
  },
  'irqlens.lens.calls': {
    type: 'boolean',
    default: true,
    description: 'Show a lens above every function with its number of callers and callees (opens the call hierarchy).',
    scope: 'window',
  },
  'irqlens.maxFileSize': {
    type: 'number',
    default: 64,
    minimum: 1,
    description: 'Files larger than this many MiB are skipped without being read, and reported in the log (a generated or corrupt multi-gigabyte `.c` would be read whole).',
    scope: 'resource',
  },
};

export const defaultSettings: IrqLensSettings = {
  trees: settingSpecs['irqlens.trees'].default as string[],
  include: settingSpecs['irqlens.include'].default as string[],
  exclude: settingSpecs['irqlens.exclude'].default as string[],
  trace: { server: settingSpecs['irqlens.trace.server'].default as 'off' },
  logLevel: settingSpecs['irqlens.logLevel'].default as LogLevel,
  lens: { flows: settingSpecs['irqlens.lens.flows'].default as boolean, calls: settingSpecs['irqlens.lens.calls'].default as boolean },
  cache: { maxSizeMB: settingSpecs['irqlens.cache.maxSizeMB'].default as number },
  maxFileSize: settingSpecs['irqlens.maxFileSize'].default as number,
};

const logLevels: readonly string[] = settingSpecs['irqlens.logLevel'].enum ?? [];
const traceLevels: readonly string[] = settingSpecs['irqlens.trace.server'].enum ?? [];

function stringArray(v: unknown, fallback: string[]): string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : fallback;
}

/** Reads settings from whatever the client sent (the `irqlens` section object), falling back to defaults field by field. */
export function parseSettings(raw: unknown): IrqLensSettings {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const trace = (o.trace && typeof o.trace === 'object' ? o.trace : {}) as Record<string, unknown>;
  const lens = (o.lens && typeof o.lens === 'object' ? o.lens : {}) as Record<string, unknown>;
  const cache = (o.cache && typeof o.cache === 'object' ? o.cache : {}) as Record<string, unknown>;
  const bool = (v: unknown, fallback: boolean) => (typeof v === 'boolean' ? v : fallback);
  return {
    trees: stringArray(o.trees, defaultSettings.trees),
    include: stringArray(o.include, defaultSettings.include),
    exclude: stringArray(o.exclude, defaultSettings.exclude),
    trace: { server: traceLevels.includes(trace.server as string) ? (trace.server as 'off') : defaultSettings.trace.server },
    logLevel: logLevels.includes(o.logLevel as string) ? (o.logLevel as LogLevel) : defaultSettings.logLevel,
    lens: { flows: bool(lens.flows, defaultSettings.lens.flows), calls: bool(lens.calls, defaultSettings.lens.calls) },
    cache: {
      maxSizeMB: typeof cache.maxSizeMB === 'number' && Number.isFinite(cache.maxSizeMB) && cache.maxSizeMB >= 0 ? cache.maxSizeMB : defaultSettings.cache.maxSizeMB,
    },
    maxFileSize: typeof o.maxFileSize === 'number' && Number.isFinite(o.maxFileSize) && o.maxFileSize >= 1 ? o.maxFileSize : defaultSettings.maxFileSize,
  };
}
