import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AdminActionButton, DeleteUserForm, LockForm, RoleForm } from "@/app/admin/users/[id]/user-admin-forms";
import { UserFilters } from "@/app/admin/users/user-filters";
import { UsersTable, type UsersTableRow } from "@/app/admin/users/users-table";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

const ROWS: UsersTableRow[] = [
  {
    id: "0197a1b2-0000-7000-8000-000000000002",
    email: "bob@example.com",
    name: "Bob Locked",
    role: "USER",
    verified: false,
    locked: true,
    lockedUntil: new Date("2026-05-01T12:00:00Z"),
    createdAt: new Date("2026-03-02T09:30:00Z"),
    lastLoginAt: null,
  },
  {
    id: "0197a1b2-0000-7000-8000-000000000001",
    email: "ana@example.com",
    name: "Ana Admin",
    role: "ADMIN",
    verified: true,
    locked: false,
    lockedUntil: null,
    createdAt: new Date("2026-03-01T08:00:00Z"),
    lastLoginAt: new Date("2026-03-05T17:45:00Z"),
  },
];

describe("UsersTable", () => {
  it("shows email, name, role, verified, locked, created and last sign-in, one row per user, in order", () => {
    render(<UsersTable users={ROWS} />);
    const table = screen.getByRole("table", { name: "Users, newest first" });
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Email", "Name", "Role", "Verified", "Locked", "Created", "Last sign-in"]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const cells = (row: HTMLElement) => within(row).getAllByRole("cell").map((c) => c.textContent);
    expect(cells(rows[0]!)).toEqual(["bob@example.com", "Bob Locked", "User", "No", "Locked until 1 May 2026, 12:00 UTC", "2 Mar 2026, 09:30 UTC", "Never"]);
    expect(cells(rows[1]!)).toEqual(["ana@example.com", "Ana Admin", "Admin", "Yes", "No", "1 Mar 2026, 08:00 UTC", "5 Mar 2026, 17:45 UTC"]);
  });

  it("links each email to the user's admin page, and says so when nothing matches", () => {
    const { unmount } = render(<UsersTable users={ROWS} />);
    expect(screen.getByRole("link", { name: "bob@example.com" })).toHaveAttribute("href", `/admin/users/${ROWS[0]!.id}`);
    expect(screen.getByRole("link", { name: "ana@example.com" })).toHaveAttribute("href", `/admin/users/${ROWS[1]!.id}`);
    unmount();
    render(<UsersTable users={[]} />);
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByText("No users match these filters.")).toBeInTheDocument();
  });
});

describe("UserFilters", () => {
  const query = (form: HTMLFormElement) => new URLSearchParams(new FormData(form) as unknown as Record<string, string>).toString();

  it("is a labelled GET search form whose fields start from the current filters", () => {
    render(<UserFilters values={{ q: "ana", match: "prefix", role: "ADMIN", verified: "no", locked: "yes" }} />);
    const form = screen.getByRole("search", { name: "Filter users" }) as HTMLFormElement;
    expect(form).toHaveAttribute("method", "get");
    expect(form).toHaveAttribute("action", "/admin/users");
    expect(screen.getByLabelText("Search")).toHaveValue("ana");
    expect(screen.getByLabelText("Match")).toHaveValue("prefix");
    expect(screen.getByLabelText("Role")).toHaveValue("ADMIN");
    expect(screen.getByLabelText("Verified")).toHaveValue("no");
    expect(screen.getByLabelText("Locked")).toHaveValue("yes");
    // No cursor is carried: applying filters starts again at the first page.
    expect(query(form)).toBe("q=ana&match=prefix&role=ADMIN&verified=no&locked=yes");
    expect(screen.getByRole("link", { name: "Clear" })).toHaveAttribute("href", "/admin/users");
  });

  it("sends what the admin picks, with 'Any' as an empty value", async () => {
    const user = userEvent.setup();
    render(<UserFilters values={{}} />);
    const form = screen.getByRole("search") as HTMLFormElement;
    expect(query(form)).toBe("q=&match=contains&role=&verified=&locked=");
    await user.type(screen.getByLabelText("Search"), "shop.test");
    await user.selectOptions(screen.getByLabelText("Role"), "User");
    await user.selectOptions(screen.getByLabelText("Locked"), "Not locked");
    expect(query(form)).toBe("q=shop.test&match=contains&role=USER&verified=&locked=no");
    expect(screen.getByRole("button", { name: "Apply" })).toHaveAttribute("type", "submit");
  });
});

describe("user admin forms", () => {
  const USER_ID = ROWS[0]!.id;

  it("RoleForm sends the user id and the chosen role, and shows the answer", async () => {
    const user = userEvent.setup();
    const action = fakeAction({ status: "error", message: "This is the last administrator: promote someone else first." });
    render(<RoleForm action={action} userId={USER_ID} role="USER" />);
    expect(screen.getByLabelText("Role")).toHaveValue("USER");
    await user.selectOptions(screen.getByLabelText("Role"), "Admin");
    await user.click(screen.getByRole("button", { name: "Change role" }));
    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ userId: USER_ID, role: "ADMIN" });
    expect(await screen.findByRole("alert")).toHaveTextContent("last administrator");
  });

  it("LockForm offers the durations and sends the chosen one", async () => {
    const user = userEvent.setup();
    const action = fakeAction({ status: "success", message: "Sign-in locked." });
    const durations = [
      { value: "1h", label: "1 hour" },
      { value: "indefinite", label: "Until unlocked" },
    ];
    render(<LockForm action={action} userId={USER_ID} durations={durations} />);
    expect(screen.getByLabelText("Lock for")).toHaveValue("indefinite");
    await user.selectOptions(screen.getByLabelText("Lock for"), "1 hour");
    await user.click(screen.getByRole("button", { name: "Lock account" }));
    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ userId: USER_ID, duration: "1h" });
    expect(await screen.findByRole("status")).toHaveTextContent("Sign-in locked.");
  });

  it("DeleteUserForm stays disabled until the email is typed (any case), then sends it", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<DeleteUserForm action={action} userId={USER_ID} email="bob@example.com" />);
    const button = screen.getByRole("button", { name: "Delete this account" });
    const input = screen.getByLabelText(/Type bob@example.com to confirm/);
    expect(button).toBeDisabled();
    await user.type(input, "bob@example.co");
    expect(button).toBeDisabled();
    await user.type(input, "M");
    expect(button).toBeEnabled();
    await user.click(button);
    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ userId: USER_ID, confirmEmail: "bob@example.coM" });
  });

  it("DeleteUserForm shows the server's field error next to the field", async () => {
    const user = userEvent.setup();
    const action = fakeAction({ status: "error", message: "Please fix the highlighted fields.", fieldErrors: { confirmEmail: ["That is not the user's email address"] } });
    render(<DeleteUserForm action={action} userId={USER_ID} email="bob@example.com" />);
    await user.type(screen.getByLabelText(/to confirm/), "bob@example.com");
    await user.click(screen.getByRole("button", { name: "Delete this account" }));
    const input = screen.getByLabelText(/to confirm/);
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(document.getElementById(input.getAttribute("aria-describedby")!)).toHaveTextContent("That is not the user's email address");
  });

  it("AdminActionButton posts its hidden fields and is disabled while the action runs", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    render(
      <AdminActionButton
        action={action}
        fields={{ userId: USER_ID, sessionId: "0197a1b2-0000-7000-8000-0000000000ff" }}
        label="End session"
        pendingLabel="Ending…"
        ariaLabel="End session Firefox on Linux"
      />,
    );
    const button = screen.getByRole("button", { name: "End session Firefox on Linux" });
    await user.click(button);
    await waitFor(() => expect(button).toBeDisabled());
    expect(button).toHaveAttribute("aria-busy", "true");
    expect(button).toHaveTextContent("Ending…");
    expect(sentFields(action)).toEqual({ userId: USER_ID, sessionId: "0197a1b2-0000-7000-8000-0000000000ff" });
    pending.resolve({ status: "success", message: "That session was ended." });
    expect(await screen.findByRole("status")).toHaveTextContent("That session was ended.");
    expect(button).toBeEnabled();
  });
});
