// A tiny JSON-over-HTTP server for the agents' health, metrics and signature endpoints (node:http, no framework:
// these are three routes on an internal port; the public API is the gateway's).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { stringify } from "@amc/utils";

export type Route = (
  match: RegExpMatchArray,
  request: IncomingMessage,
) => Promise<{ status: number; body: unknown; contentType?: string }>;

export function startHttpServer(
  host: string,
  port: number,
  routes: [method: string, pattern: RegExp, handler: Route][],
): Promise<Server> {
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    for (const [method, pattern, handler] of routes) {
      const match = path.match(pattern);
      if (request.method !== method || !match) continue;
      try {
        const result = await handler(match, request);
        const text = typeof result.body === "string" ? result.body : stringify(result.body);
        response.writeHead(result.status, { "content-type": result.contentType ?? "application/json" });
        response.end(text);
      } catch (error) {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(stringify({ error: error instanceof Error ? error.message : String(error) }));
      }
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(stringify({ error: `no route for ${request.method} ${path}` }));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Prometheus text exposition of counters and gauges with labels. */
export class Metrics {
  private readonly values = new Map<string, { help: string; type: "counter" | "gauge"; series: Map<string, number> }>();

  define(name: string, type: "counter" | "gauge", help: string): void {
    if (!this.values.has(name)) this.values.set(name, { help, type, series: new Map() });
  }

  private key(labels: Record<string, string | number>): string {
    return Object.entries(labels)
      .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, "_")}"`)
      .join(",");
  }

  inc(name: string, labels: Record<string, string | number> = {}, by = 1): void {
    const metric = this.values.get(name);
    if (!metric) throw new Error(`metric ${name} is not defined`);
    const key = this.key(labels);
    metric.series.set(key, (metric.series.get(key) ?? 0) + by);
  }

  set(name: string, labels: Record<string, string | number>, value: number): void {
    const metric = this.values.get(name);
    if (!metric) throw new Error(`metric ${name} is not defined`);
    metric.series.set(this.key(labels), value);
  }

  get(name: string, labels: Record<string, string | number> = {}): number {
    return this.values.get(name)?.series.get(this.key(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, metric] of this.values) {
      lines.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
      for (const [labels, value] of metric.series) lines.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
