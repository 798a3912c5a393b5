import nextJest from "next/jest.js";

// Browser tests: a real `next start` (production build) per test file, a real
// SMTP sink, PostgreSQL (TEST_DATABASE_URL's server) and Debian's Chromium.
const createJestConfig = nextJest({ dir: "./" });

export default createJestConfig({
  displayName: "e2e",
  testEnvironment: "node",
  testMatch: ["<rootDir>/e2e/**/*.e2e.test.ts"],
  moduleNameMapper: { "^@/(.*)$": "<rootDir>/$1" },
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  testTimeout: 120_000,
  maxWorkers: 1,
});
