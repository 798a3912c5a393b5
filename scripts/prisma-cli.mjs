// Runs the Prisma CLI with a stand-in schema engine when none is configured,
// so generate/validate/format/studio work on machines that cannot download engines.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(root, "scripts", "no-schema-engine");
}
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
const res = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: "inherit", env, cwd: root });
process.exit(res.status ?? 1);
