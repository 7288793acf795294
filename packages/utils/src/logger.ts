// Structured logs: one JSON object per line on stderr (so stdout stays free for command output such as --json),
// or a short human line when AMC_LOG_FORMAT=pretty. Level from AMC_LOG_LEVEL (debug, info, warn, error).

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Logger = {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
};

function parseLevel(value: string | undefined): LogLevel {
  return value === "debug" || value === "warn" || value === "error" ? value : "info";
}

function serialise(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: LogLevel; write?: (line: string) => void; pretty?: boolean } = {},
): Logger {
  const level = options.level ?? parseLevel(process.env.AMC_LOG_LEVEL);
  const pretty = options.pretty ?? process.env.AMC_LOG_FORMAT === "pretty";
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (at: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (order[at] < order[level]) return;
    const record = { time: new Date().toISOString(), level: at, ...base, msg: message, ...fields };
    if (pretty) {
      const extra = Object.entries({ ...base, ...fields })
        .map(([k, v]) => `${k}=${JSON.stringify(serialise(v))}`)
        .join(" ");
      write(`${record.time.slice(11, 19)} ${at.padEnd(5)} ${message}${extra ? ` ${extra}` : ""}`);
    } else {
      write(JSON.stringify(record, (_k, v) => serialise(v)));
    }
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, { level, write, pretty }),
  };
}
