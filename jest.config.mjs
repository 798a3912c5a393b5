import nextJest from "next/jest.js";

// Three projects, each in the environment it needs:
//   unit         pure logic (node)           __tests__/unit
//   component    React forms (jsdom + RTL)   __tests__/component
//   integration  real database + real SMTP   __tests__/integration (PGlite, or PostgreSQL with TEST_DATABASE_URL)
const createJestConfig = nextJest({ dir: "./" });

const common = {
  setupFiles: ["<rootDir>/__tests__/setup/env.ts"],
  moduleNameMapper: { "^@/(.*)$": "<rootDir>/$1" },
  testPathIgnorePatterns: ["/node_modules/", "/.next/", "/e2e/"],
};

export default async function config() {
  const unit = await createJestConfig({
    ...common,
    displayName: "unit",
    testEnvironment: "node",
    testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"],
  })();
  const component = await createJestConfig({
    ...common,
    displayName: "component",
    testEnvironment: "jsdom",
    setupFilesAfterEnv: ["<rootDir>/__tests__/setup/component.ts"],
    testMatch: ["<rootDir>/__tests__/component/**/*.test.tsx"],
  })();
  const integration = await createJestConfig({
    ...common,
    displayName: "integration",
    testEnvironment: "node",
    globalSetup: "<rootDir>/__tests__/setup/global-setup.ts",
    testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts", "<rootDir>/__tests__/security/**/*.test.ts"],
  })();
  // jose ships ESM only: let SWC transform it instead of ignoring node_modules.
  for (const p of [unit, component, integration]) {
    p.transformIgnorePatterns = ["/node_modules/(?!(jose)/)", "^.+\\.module\\.(css|sass|scss)$"];
  }
  return { projects: [unit, component, integration], maxWorkers: 2, testTimeout: 60_000 };
}
