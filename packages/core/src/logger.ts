/** The logger Glassbox reports through. */
export interface Logger {
  warn(message: string): void;
  /** Misconfigurations that leave a feature failed closed (falls back to `warn` when absent). */
  error?(message: string): void;
}

/** The default logger: `console.warn` / `console.error`, prefixed. */
export const consoleLogger: Logger = {
  warn(message: string) {
    console.warn(`[glassbox] ${message}`);
  },
  error(message: string) {
    console.error(`[glassbox] ${message}`);
  },
};

/** A logger that drops everything. */
export const silentLogger: Logger = { warn() {} };
