/**
 * Loads a mixin config file: JSON (`.json`), YAML (`.yml`/`.yaml`) or the default
 * export of an ES module (`.mjs`/`.js`). Errors name the file.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { MixinConfig } from './config.js';

/** Reads and parses a config file (validation happens in `generateMixin`). */
export async function loadConfig(file: string): Promise<MixinConfig> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  let value: unknown;
  if (ext === '.mjs' || ext === '.js') {
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    value = mod.default;
    if (value === undefined) throw new Error(`Glassbox mixin: ${file} has no default export`);
    if (typeof value === 'function') value = await (value as () => unknown)();
  } else {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(
        `Glassbox mixin: cannot read config ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    try {
      value = ext === '.json' ? JSON.parse(text) : parse(text);
    } catch (error) {
      throw new Error(
        `Glassbox mixin: ${file} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      );
    }
    if (ext !== '.json' && ext !== '.yml' && ext !== '.yaml')
      throw new Error(`Glassbox mixin: ${file}: use a .json, .yml, .yaml or .mjs config`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`Glassbox mixin: ${file} must contain an object`);
  return value as MixinConfig;
}
