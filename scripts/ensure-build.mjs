// Builds the app for the browser tests unless a build of the current tree exists.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync(".next/BUILD_ID") || process.env.E2E_REBUILD === "1") {
  const r = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
