-- AlterTable
ALTER TABLE "users" ADD COLUMN     "admin_locked" BOOLEAN NOT NULL DEFAULT false;
