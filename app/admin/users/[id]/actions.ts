"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import {
  changeRoleSchema,
  changeUserRole,
  deleteUserAccount,
  deleteUserSchema,
  LOCK_DURATIONS,
  lockUserAccount,
  lockUserSchema,
  resendVerificationCodeAsAdmin,
  revokeAllUserSessionsAsAdmin,
  revokeUserSessionAsAdmin,
  revokeUserSessionSchema,
  sendPasswordResetAsAdmin,
  unlockUserAccount,
  userActionSchema,
} from "@/lib/auth/admin";
import { validatedAction } from "@/lib/auth/validated-action";
import { requireAdmin } from "../../require-admin";

/**
 * Admin actions on one user. Each checks the admin's session itself
 * (requireAdmin), and the lib function checks it once more against the
 * database: neither the middleware nor the layout is trusted alone.
 */

const userPath = (userId: string) => `/admin/users/${userId}`;

export const changeRoleAction = validatedAction(changeRoleSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  const r = await changeUserRole(actor, data.userId, data.role, ctx);
  revalidatePath(userPath(data.userId));
  if (!r.changed) return { status: "success", message: `The role is already ${r.to === "ADMIN" ? "Admin" : "User"}.` };
  return { status: "success", message: r.to === "ADMIN" ? "This user is now an administrator." : "This user is no longer an administrator." };
});

export const lockUserAction = validatedAction(lockUserSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  const r = await lockUserAccount(actor, data.userId, data.duration, ctx);
  revalidatePath(userPath(data.userId));
  const sessions = r.revokedSessions === 1 ? "1 session was ended" : `${r.revokedSessions} sessions were ended`;
  return { status: "success", message: `Sign-in locked (${LOCK_DURATIONS[data.duration].label.toLowerCase()}); ${sessions}.` };
});

export const unlockUserAction = validatedAction(userActionSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  await unlockUserAccount(actor, data.userId, ctx);
  revalidatePath(userPath(data.userId));
  return { status: "success", message: "Unlocked: the user can sign in again." };
});

export const revokeUserSessionAction = validatedAction(revokeUserSessionSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  await revokeUserSessionAsAdmin(actor, data.userId, data.sessionId, ctx);
  revalidatePath(userPath(data.userId));
  return { status: "success", message: "That session was ended." };
});

export const revokeAllUserSessionsAction = validatedAction(userActionSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  const { count } = await revokeAllUserSessionsAsAdmin(actor, data.userId, ctx);
  revalidatePath(userPath(data.userId));
  return { status: "success", message: count === 1 ? "1 session was ended." : `${count} sessions were ended.` };
});

export const resendVerificationAction = validatedAction(userActionSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  await resendVerificationCodeAsAdmin(actor, data.userId, ctx);
  revalidatePath(userPath(data.userId));
  return { status: "success", message: "A new confirmation code was sent." };
});

export const sendPasswordResetAction = validatedAction(userActionSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  await sendPasswordResetAsAdmin(actor, data.userId, ctx);
  revalidatePath(userPath(data.userId));
  return { status: "success", message: "A password-reset link is on its way to the user." };
});

export const deleteUserAction = validatedAction(deleteUserSchema, async (data, ctx) => {
  const { actor } = await requireAdmin();
  await deleteUserAccount(actor, data.userId, data.confirmEmail, ctx);
  revalidatePath("/admin/users");
  // The address is not put in the URL: URLs end up in logs and histories.
  redirect("/admin/users?deleted=1");
});
