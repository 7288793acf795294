// Vite config of the dashboard. The gateway serves the built files at `/` and `/assets/*`, so the base is "/"
// and pages are addressed by hash routes. In development the API paths go to a local gateway (AMC_GATEWAY
// overrides the default http://127.0.0.1:8080).
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const gateway = process.env.AMC_GATEWAY ?? "http://127.0.0.1:8080";
const proxied = ["/v1", "/1.0", "/credentials", "/status", "/health"];

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: gateway, changeOrigin: false }])),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // viem, h3-js (a wasm-free emscripten build) and @noble/curves are large; the pages that need them load lazily.
    chunkSizeWarningLimit: 900,
  },
});
