export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export interface IrqLensSettings {
    trees: string[];
    include: string[];
    exclude: string[];
    trace: {
        server: 'off' | 'messages' | 'verbose';
    };
    logLevel: LogLevel;
}
export interface SettingSpec {
    type: 'array' | 'string';
    default: unknown;
    description: string;
    enum?: readonly string[];
    items?: {
        type: 'string';
    };
    scope?: 'window' | 'resource' | 'machine-overridable';
}
export declare const settingsSection = "irqlens";
/** Keys are the full setting names as they appear in package.json. */
export declare const settingSpecs: Record<string, SettingSpec>;
export declare const defaultSettings: IrqLensSettings;
/** Reads settings from whatever the client sent (the `irqlens` section object), falling back to defaults field by field. */
export declare function parseSettings(raw: unknown): IrqLensSettings;
