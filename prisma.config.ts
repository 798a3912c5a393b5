import { defineConfig } from "prisma/config";

// Prisma 7: the connection URL lives here, not in schema.prisma. The app itself
// never reads this file; it builds its client in lib/db/client.ts with a driver
// adapter. The CLI (studio, migrate deploy where an engine exists) uses this URL.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/gatehouse" },
});
