// Vitest global setup: build the dashboard once before any suite starts a platform, so that suites running side by
// side (each `amc up` builds a stale dashboard) never build into apps/web/dist at the same time.
import { createLogger } from "@amc/utils";
import { ensureDashboard } from "../../apps/cli/src/dashboard.js";

export default async function setup(): Promise<void> {
  await ensureDashboard(createLogger({ component: "test-setup" }));
}
