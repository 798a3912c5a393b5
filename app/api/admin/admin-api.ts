import "server-only";
import type { NextRequest } from "next/server";
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import {
  AUDIT_EVENT_TYPES,
  LOCK_DURATIONS,
  auditQuerySchema,
  deleteUserSchema,
  lockDurationSchema,
  parseAdminQuery,
  revokeUserSessionSchema,
  roleSchema,
  userIdSchema,
  userListQuerySchema,
  type AdminActor,
  type AdminSessionView,
  type AdminUserDetail,
  type AdminUserView,
} from "@/lib/auth/admin";
import { contextFromHeaders, type RequestContext } from "@/lib/auth/request-context";
import type { AuditEventRecord } from "@/lib/data/admin";
import { authenticate } from "@/lib/http/bearer";
import { RequestError } from "@/lib/http/errors";
import { apiErrorSchema } from "@/lib/validation/api";

/**
 * Shared parts of the /api/admin routes: the caller check (a Bearer access
 * token of a live session whose user is an ADMIN now; RFC 6750 401/403
 * otherwise; the browser cookie is not accepted here), query and path
 * parsing, the JSON shapes, and their OpenAPI description.
 *
 * `adminApiPaths()` is passed to the OpenAPI document by app/api/openapi.json
 * (lib/openapi never imports from app/), described from these very schemas.
 */

export async function requireAdminCaller(req: NextRequest): Promise<{ actor: AdminActor; ctx: RequestContext }> {
  const caller = await authenticate(req, { role: "ADMIN" });
  return { actor: { userId: caller.user.id, sessionId: caller.sessionId }, ctx: contextFromHeaders(req.headers) };
}

/** Query strings of the API are strict: a bad filter is a 400, never silently ignored. */
export function parseApiQuery<S extends z.ZodObject>(schema: S, req: NextRequest): z.infer<S> {
  const { data, invalid, fieldErrors } = parseAdminQuery(schema, req.nextUrl.searchParams);
  if (invalid.length) throw new RequestError("validation-failed", "Some query parameters are not valid.", fieldErrors);
  return data;
}

export const userIdParamsSchema = z.object({ id: userIdSchema.meta({ description: "The user's id (UUID)." }) });
export const userSessionParamsSchema = z.object({
  id: userIdSchema.meta({ description: "The user's id (UUID)." }),
  sessionId: revokeUserSessionSchema.shape.sessionId.meta({ description: "One of the user's session ids." }),
});

/** Path parameters: a malformed id is "not found", like an unknown one (never a database error). */
export function parseUserParams(params: unknown): { id: string } {
  const r = userIdParamsSchema.safeParse(params);
  if (!r.success) throw new RequestError("not-found", "That user was not found.");
  return r.data;
}

// ─── JSON shapes ─────────────────────────────────────────────────────────

const isoDate = z.string().meta({ description: "ISO 8601 date-time, UTC." });
const isoDateOrNull = isoDate.nullable();

export const adminUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    verified: z.boolean(),
    emailVerifiedAt: isoDateOrNull,
    locked: z.boolean(),
    lockedUntil: isoDateOrNull,
    failedLoginCount: z.number().int(),
    createdAt: isoDate,
    lastLoginAt: isoDateOrNull,
  })
  .meta({ id: "AdminUser" });
export type AdminUserJson = z.infer<typeof adminUserSchema>;

export const adminSessionSchema = z
  .object({
    id: z.string(),
    device: z.string(),
    ip: z.string().nullable(),
    createdAt: isoDate,
    lastUsedAt: isoDate,
    expiresAt: isoDate,
    revokedAt: isoDateOrNull,
    revokedReason: z.string().nullable(),
    live: z.boolean(),
  })
  .meta({ id: "AdminSession" });

export const adminEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    userId: z.string().nullable(),
    email: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    detail: z.unknown(),
    createdAt: isoDate,
  })
  .meta({ id: "AuditEvent" });

const pageFields = {
  next: z.string().nullable().meta({ description: "Pass as `after` for the next (older) page; null on the last page." }),
  previous: z.string().nullable().meta({ description: "Pass as `before` for the previous (newer) page; null on the first page." }),
};

export const adminUserListSchema = z.object({ users: z.array(adminUserSchema), ...pageFields }).meta({ id: "AdminUserList" });
export const adminUserDetailSchema = z
  .object({ user: adminUserSchema, sessions: z.array(adminSessionSchema), events: z.array(adminEventSchema) })
  .meta({ id: "AdminUserDetail" });
export const auditListSchema = z.object({ events: z.array(adminEventSchema), ...pageFields }).meta({ id: "AuditEventList" });

export const changeRoleRequestSchema = z.object({ role: roleSchema }).meta({ id: "AdminChangeRoleRequest", example: { role: "ADMIN" } });
export const changeRoleResponseSchema = z
  .object({ changed: z.boolean(), from: roleSchema, to: roleSchema })
  .meta({ id: "AdminChangeRoleResponse" });
export const lockRequestSchema = z
  .object({ duration: lockDurationSchema.meta({ description: Object.entries(LOCK_DURATIONS).map(([k, d]) => `\`${k}\`: ${d.label}`).join(", ") }) })
  .meta({ id: "AdminLockRequest", example: { duration: "24h" } });
export const lockResponseSchema = z.object({ lockedUntil: isoDate, revokedSessions: z.number().int() }).meta({ id: "AdminLockResponse" });
export const deleteRequestSchema = deleteUserSchema.pick({ confirmEmail: true }).meta({
  id: "AdminDeleteUserRequest",
  description: "The user's current email address, as a confirmation.",
  example: { confirmEmail: "ana@example.com" },
});
export const countResponseSchema = z.object({ count: z.number().int() }).meta({ id: "AdminCountResponse" });
export const okResponseSchema = z.object({ ok: z.literal(true) }).meta({ id: "AdminOkResponse" });
export const deletedResponseSchema = z.object({ deleted: z.string() }).meta({ id: "AdminDeletedResponse" });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toUserJson(u: AdminUserView): AdminUserJson {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    verified: u.verified,
    emailVerifiedAt: iso(u.emailVerifiedAt),
    locked: u.locked,
    lockedUntil: iso(u.lockedUntil),
    failedLoginCount: u.failedLoginCount,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: iso(u.lastLoginAt),
  };
}

function toSessionJson(s: AdminSessionView): z.infer<typeof adminSessionSchema> {
  return {
    id: s.id,
    device: s.device.label,
    ip: s.ip,
    createdAt: s.createdAt.toISOString(),
    lastUsedAt: s.lastUsedAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    revokedAt: iso(s.revokedAt),
    revokedReason: s.revokedReason,
    live: s.live,
  };
}

export function toEventJson(
  e: Pick<AuditEventRecord, "id" | "type" | "ip" | "userAgent" | "createdAt" | "detail"> & Partial<AuditEventRecord>,
): z.infer<typeof adminEventSchema> {
  return {
    id: e.id,
    type: e.type,
    userId: e.userId ?? null,
    email: e.email ?? null,
    ip: e.ip,
    userAgent: e.userAgent,
    requestId: e.requestId ?? null,
    detail: e.detail,
    createdAt: e.createdAt.toISOString(),
  };
}

export function toDetailJson(d: AdminUserDetail, userId: string, email: string): z.infer<typeof adminUserDetailSchema> {
  return {
    user: toUserJson(d.user),
    sessions: d.sessions.map(toSessionJson),
    events: d.events.map((e) => toEventJson({ ...e, userId, email })),
  };
}

// ─── OpenAPI ─────────────────────────────────────────────────────────────

const JSON_TYPE = "application/json";
const ADMIN_ONLY = [{ bearerAuth: [] }];

function errors(...statuses: number[]): ZodOpenApiResponsesObject {
  const text: Record<number, string> = {
    400: "`validation-failed` (a body field or query parameter).",
    401: "No valid Bearer token (`WWW-Authenticate: Bearer …`).",
    403: '`forbidden`: not an administrator (`error="insufficient_scope"`), or a rule refused it (last administrator, your own account).',
    404: "`not-found`: no such user (or session).",
    413: "`payload-too-large`.",
    415: "`unsupported-media-type`: send application/json.",
    429: "`rate-limited`, with `Retry-After`.",
    500: "`internal-error`.",
    503: "`service-unavailable` or `mail-unavailable`.",
  };
  const out: ZodOpenApiResponsesObject = {};
  for (const s of [...statuses, 500, 503]) out[`${s}` as `4${string}`] = { description: text[s] ?? "Error.", content: { [JSON_TYPE]: { schema: apiErrorSchema } } };
  return out;
}
const ok = (description: string, schema: z.ZodType): ZodOpenApiResponsesObject => ({
  "200": { description, content: { [JSON_TYPE]: { schema } } },
});
const body = (schema: z.ZodType): ZodOpenApiOperationObject["requestBody"] => ({ required: true, content: { [JSON_TYPE]: { schema } } });
const op = (o: Omit<ZodOpenApiOperationObject, "tags" | "security">): ZodOpenApiOperationObject => ({ tags: ["Admin"], security: ADMIN_ONLY, ...o });

/** The /api/admin paths for lib/openapi/document.ts (tag "Admin", Bearer tokens of administrators only). */
export function adminApiPaths(): ZodOpenApiPathsObject {
  return {
    "/api/admin/users": {
      get: op({
        operationId: "adminListUsers",
        summary: "Search and filter users (newest first, keyset pages)",
        requestParams: { query: userListQuerySchema.extend({ after: z.string().optional(), before: z.string().optional() }) },
        responses: { ...ok("One page of users.", adminUserListSchema), ...errors(400, 401, 403) },
      }),
    },
    "/api/admin/users/{id}": {
      get: op({
        operationId: "adminGetUser",
        summary: "A user with their sessions and latest events",
        requestParams: { path: userIdParamsSchema },
        responses: { ...ok("The user.", adminUserDetailSchema), ...errors(401, 403, 404) },
      }),
      delete: op({
        operationId: "adminDeleteUser",
        summary: "Delete a user (confirm with their email address)",
        description: "Sessions, codes and reset tokens go with the account; audit events stay. The last administrator cannot be deleted.",
        requestParams: { path: userIdParamsSchema },
        requestBody: body(deleteRequestSchema),
        responses: { ...ok("Deleted.", deletedResponseSchema), ...errors(400, 401, 403, 404, 413, 415) },
      }),
    },
    "/api/admin/users/{id}/role": {
      put: op({
        operationId: "adminChangeRole",
        summary: "Make a user an ADMIN or a USER",
        description: "Applies at once. The last administrator cannot be demoted (403).",
        requestParams: { path: userIdParamsSchema },
        requestBody: body(changeRoleRequestSchema),
        responses: { ...ok("The change.", changeRoleResponseSchema), ...errors(400, 401, 403, 404, 413, 415) },
      }),
    },
    "/api/admin/users/{id}/lock": {
      post: op({
        operationId: "adminLockUser",
        summary: "Lock sign-in (ends every session of the user)",
        requestParams: { path: userIdParamsSchema },
        requestBody: body(lockRequestSchema),
        responses: { ...ok("Locked.", lockResponseSchema), ...errors(400, 401, 403, 404, 413, 415) },
      }),
      delete: op({
        operationId: "adminUnlockUser",
        summary: "Unlock sign-in and clear the failed sign-in count",
        requestParams: { path: userIdParamsSchema },
        responses: { ...ok("Unlocked.", okResponseSchema), ...errors(401, 403, 404) },
      }),
    },
    "/api/admin/users/{id}/sessions": {
      delete: op({
        operationId: "adminRevokeAllSessions",
        summary: "End every session of a user",
        requestParams: { path: userIdParamsSchema },
        responses: { ...ok("How many were ended.", countResponseSchema), ...errors(401, 403, 404) },
      }),
    },
    "/api/admin/users/{id}/sessions/{sessionId}": {
      delete: op({
        operationId: "adminRevokeSession",
        summary: "End one session of a user",
        requestParams: { path: userSessionParamsSchema },
        responses: { ...ok("Ended.", okResponseSchema), ...errors(401, 403, 404) },
      }),
    },
    "/api/admin/users/{id}/verification-code": {
      post: op({
        operationId: "adminResendVerificationCode",
        summary: "Mail a new confirmation code to an unverified user",
        requestParams: { path: userIdParamsSchema },
        responses: { ...ok("Sent.", okResponseSchema), ...errors(400, 401, 403, 404, 429) },
      }),
    },
    "/api/admin/users/{id}/password-reset": {
      post: op({
        operationId: "adminSendPasswordReset",
        summary: "Mail the user a password-reset link",
        requestParams: { path: userIdParamsSchema },
        responses: { ...ok("Requested.", okResponseSchema), ...errors(401, 403, 404, 429) },
      }),
    },
    "/api/admin/audit": {
      get: op({
        operationId: "adminListAuditEvents",
        summary: "Audit events (all users), filtered, newest first",
        description: `\`type\` is one of: ${AUDIT_EVENT_TYPES.join(", ")}. \`from\` / \`to\` are UTC days (YYYY-MM-DD, both included). CSV: GET /admin/audit/export with the same filters.`,
        requestParams: {
          query: auditQuerySchema.extend({
            from: z.iso.date().optional(),
            to: z.iso.date().optional(),
            after: z.string().optional(),
            before: z.string().optional(),
          }),
        },
        responses: { ...ok("One page of events.", auditListSchema), ...errors(400, 401, 403) },
      }),
    },
  };
}
