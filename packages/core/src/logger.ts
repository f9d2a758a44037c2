/** The logger Glassbox warns through. Only `warn` is used. */
export interface Logger {
  warn(message: string): void;
}

/** The default logger: `console.warn`, prefixed. */
export const consoleLogger: Logger = {
  warn(message: string) {
    console.warn(`[glassbox] ${message}`);
  },
};

/** A logger that drops everything. */
export const silentLogger: Logger = { warn() {} };
