import { defineConfig } from "vitest/config";

// Integration tests start real anvil chains and child processes; they get generous timeouts and run in
// separate forks so that a test's chains never collide with another file's (each file picks its own ports).
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "tests/**/*.test.ts"],
    // The dashboard is built once, before suites that start whole platforms run side by side.
    globalSetup: ["tests/setup/build-dashboard.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
