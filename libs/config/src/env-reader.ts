import { readFileSync } from 'node:fs';
import { DEFAULTS } from './defaults';
import { EnvError, looksLikePlaceholder } from './env-parsers';

export type Env = Record<string, string | undefined>;

/** Thrown when the environment is invalid; `problems` holds one line per variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads variables and collects what is wrong with them instead of stopping at the first: the
 * operator gets every problem in one start-up attempt. A refused value reads as `undefined`, and
 * `loadConfig` throws once everything has been read.
 */
export class EnvReader {
  readonly problems: string[] = [];
  /** Set once NODE_ENV is read: production refuses placeholder secrets. */
  production = false;

  constructor(private readonly env: Env) {}

  /** The value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  read<T>(name: string, parse: (value: string) => T, fallback?: string): T {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return undefined as T;
    }
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof EnvError)) throw error;
      this.problems.push(`${name} ${error.message}`);
      return undefined as T;
    }
  }

  optional<T>(name: string, parse: (value: string) => T): T | undefined {
    return this.raw(name) === undefined ? undefined : this.read(name, parse);
  }

  /** A parser for variables that name a file (CA certificates). */
  readonly readFile = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new EnvError(`names a file that cannot be read (${path})`);
    }
  };

  def(name: keyof typeof DEFAULTS): string {
    return DEFAULTS[name];
  }

  /** In production, a secret that looks like a placeholder is a problem. */
  secret(name: string, value: string | undefined): void {
    if (this.production && value !== undefined && looksLikePlaceholder(value)) {
      this.problems.push(`${name} holds a placeholder value; set a real secret in production`);
    }
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}
