#!/usr/bin/env node
// Entry of the `amc` command: sources are TypeScript, run through tsx's loader (no build step).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
