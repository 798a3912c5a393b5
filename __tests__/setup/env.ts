// Settings every test process starts from. Individual tests override what they exercise.
Object.assign(process.env, {
  APP_URL: "http://localhost:3000",
  JWT_SECRET: process.env.TEST_JWT_SECRET ?? "test-only-3f9c1a7e5b2d4c6e8a0b1d3f5e7c9a2b4d6f8e0a",
  BCRYPT_COST: "4",
  // Bursts of concurrent sign-ins in tests are about races, not capacity: the bcrypt budget
  // (lib/auth/password-pool.ts) is tested on its own, with its own PASSWORD_QUEUE_MAX.
  PASSWORD_QUEUE_MAX: "1000",
  GATEHOUSE_DATA_DIR: ".data/test",
  LOG_LEVEL: "silent",
});
delete process.env.SMTP_URL;
delete process.env.DATABASE_URL;
