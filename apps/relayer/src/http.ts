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

export { Metrics } from "@amc/utils";
