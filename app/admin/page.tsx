import { redirect } from "next/navigation";
import { requireAdmin } from "./require-admin";

export const dynamic = "force-dynamic";

export default async function AdminHomePage() {
  await requireAdmin();
  redirect("/admin/users");
}
