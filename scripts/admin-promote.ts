/**
 * npm run admin:promote -- --email ana@example.com
 *
 * Makes an existing account an ADMIN (for when the first admin signed up
 * through the website, or the last one left). Applies at once: every read
 * checks the role in the database. Idempotent: an admin stays an admin.
 * Works on PostgreSQL (DATABASE_URL) and on the embedded database.
 */
import { parseArgs } from "node:util";
import { findAdminUserByEmail, promoteUserByEmail } from "../lib/data/admin";
import { recordEvent } from "../lib/data/audit";
import { emailSchema } from "../lib/validation/auth";
import { CliError, cliContext, cliEnv, describeDatabase, openCliDb, runCli } from "./admin-cli";

const COMMAND = "admin:promote";
const USAGE = `Usage: npm run ${COMMAND} -- --email <address of an existing account>`;

function parseCliArgs(): { email: string } {
  let values: { email?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { email: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const email = emailSchema.safeParse(values.email ?? "");
  if (!email.success) throw new CliError(`--email: ${email.error.issues[0]?.message}\n${USAGE}`, 2);
  return { email: email.data };
}

runCli(COMMAND, async () => {
  const { email } = parseCliArgs();
  const env = cliEnv();
  const log = (msg: string) => console.log(`[${COMMAND}] ${msg}`);
  await openCliDb(env, log);

  const result = await promoteUserByEmail(email);
  if (!result) {
    throw new CliError(`No account with ${email} in the ${describeDatabase(env)}. To create one: npm run admin:create -- --email ${email} --name "…"`);
  }
  if (result.from === "ADMIN") {
    log(`${email} is already an administrator; nothing changed.`);
    return;
  }
  await recordEvent("privilege_permissions_changed", cliContext(COMMAND), {
    userId: result.id,
    email,
    detail: { via: "cli", action: "change-role", fromRole: result.from, toRole: "ADMIN" },
  });
  log(`${email} is now an administrator (${describeDatabase(env)}).`);
  const user = await findAdminUserByEmail(email);
  if (user && !user.emailVerifiedAt) log("note: this address is not confirmed yet; a code is mailed when they sign in.");
});
