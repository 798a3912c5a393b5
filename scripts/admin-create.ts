/**
 * npm run admin:create -- --email ana@example.com --name "Ana Admin"
 *
 * Creates the first (or another) administrator: a verified ADMIN account. The
 * password is asked twice without echo on a terminal, or read from the first
 * line of stdin when piped. It must pass the same rules as sign-up (length,
 * 72 bytes, zxcvbn). Refuses an address that already has an account (use
 * admin:promote for that). Works on PostgreSQL (DATABASE_URL) and on the
 * embedded database, migrating it first. There is no default admin anywhere.
 */
import { parseArgs } from "node:util";
import { hashPassword } from "../lib/auth/password";
import { passwordWeakness } from "../lib/auth/password-strength";
import { findAdminUserByEmail, insertAdminUser } from "../lib/data/admin";
import { recordEvent } from "../lib/data/audit";
import { emailSchema, nameSchema, newPasswordSchema } from "../lib/validation/auth";
import { CliError, cliContext, cliEnv, describeDatabase, openCliDb, readNewPassword, runCli } from "./admin-cli";

const COMMAND = "admin:create";
const USAGE = `Usage: npm run ${COMMAND} -- --email <address> --name <name>
  The password is asked on the terminal (not shown), or read from stdin:
  printf '%s\\n' "$ADMIN_PASSWORD" | npm run ${COMMAND} -- --email a@example.com --name "Ana Admin"`;

function parseCliArgs(): { email: string; name: string } {
  let values: { email?: string; name?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { email: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } },
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
  const problems: string[] = [];
  const email = emailSchema.safeParse(values.email ?? "");
  if (!email.success) problems.push(`--email: ${email.error.issues[0]?.message}`);
  const name = nameSchema.safeParse(values.name ?? "");
  if (!name.success) problems.push(`--name: ${name.error.issues[0]?.message}`);
  if (!email.success || !name.success) throw new CliError(`${problems.join("\n")}\n${USAGE}`, 2);
  return { email: email.data, name: name.data };
}

runCli(COMMAND, async () => {
  const args = parseCliArgs();
  const env = cliEnv();
  const log = (msg: string) => console.log(`[${COMMAND}] ${msg}`);
  await openCliDb(env, log);

  // Before asking for a password: no point typing one for an address that is taken.
  if (await findAdminUserByEmail(args.email)) {
    throw new CliError(`An account with ${args.email} already exists. To make it an admin: npm run admin:promote -- --email ${args.email}`);
  }

  const password = await readNewPassword();
  const rule = newPasswordSchema(env.PASSWORD_MIN_LENGTH).safeParse(password);
  if (!rule.success) throw new CliError(`Password refused: ${rule.error.issues.map((i) => i.message).join("; ")}`);
  const weakness = passwordWeakness(password, [args.email, args.name]);
  if (weakness) throw new CliError(`Password refused: ${weakness}`);

  const passwordHash = await hashPassword(password);
  let user;
  try {
    user = await insertAdminUser({ email: args.email, name: args.name, passwordHash });
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new CliError(`An account with ${args.email} already exists.`);
    throw err;
  }
  await recordEvent("user_created", cliContext(COMMAND), {
    userId: user.id,
    email: user.email,
    detail: { via: "cli", role: "ADMIN", verified: true },
  });
  log(`created administrator ${user.email} (id ${user.id}) in the ${describeDatabase(env)}. Sign in at ${env.APP_URL}/sign-in`);
});
