-- AlterTable
ALTER TABLE "users" ADD COLUMN     "signup_secret_hash" CHAR(64);

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "security_version" INTEGER NOT NULL DEFAULT 0;

-- Sessions that exist at upgrade time stay valid: they take their user's current version.
UPDATE "sessions" s SET "security_version" = u."security_version" FROM "users" u WHERE u."id" = s."user_id";
