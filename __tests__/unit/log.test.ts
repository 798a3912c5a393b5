import { Writable } from "node:stream";
import { createLogger } from "@/lib/log";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(stream), lines };
}

describe("structured logs", () => {
  beforeAll(() => {
    process.env.LOG_LEVEL = "info";
  });

  it("are one JSON object per line with a level and an ISO time", () => {
    const { logger, lines } = capture();
    logger.info({ event: "authn_login_success" }, "auth event");
    const entry = JSON.parse(lines[0]!);
    expect(entry.event).toBe("authn_login_success");
    expect(entry.msg).toBe("auth event");
    expect(new Date(entry.time).toISOString()).toBe(entry.time);
  });

  it("never contain passwords, codes, tokens or cookies, top-level or nested", () => {
    const { logger, lines } = capture();
    const secrets = {
      password: "hunter2-correct-horse",
      code: "493817",
      refresh_token: "rt-SECRET-123",
      access_token: "eyJ.SECRET.sig",
      headers: { authorization: "Bearer SECRET", cookie: "gh_at=SECRET" },
      body: { newPassword: "new-SECRET-pass", token: "reset-SECRET" },
    };
    logger.info(secrets, "request");
    const out = lines.join("");
    for (const value of ["hunter2", "493817", "rt-SECRET", "eyJ.SECRET", "Bearer SECRET", "gh_at=SECRET", "new-SECRET", "reset-SECRET"]) {
      expect(out).not.toContain(value);
    }
    expect(out).toContain("[redacted]");
  });
});
