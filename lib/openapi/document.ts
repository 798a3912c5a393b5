import "server-only";
import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_PATH } from "../auth/constants";
import { getEnv } from "../env";
import { MAX_BODY_BYTES } from "../http/body";
import { DOCS_ASSET_NAMES } from "./docs-assets";
import {
  acceptedResponseSchema,
  apiErrorSchema,
  changeEmailRequestSchema,
  changeEmailResponseSchema,
  changePasswordRequestSchemaFor,
  changePasswordResponseSchema,
  confirmEmailChangeRequestSchema,
  emailResponseSchema,
  forgotPasswordRequestSchema,
  healthResponseSchema,
  pingResponseSchema,
  logoutRequestSchema,
  logoutResponseSchema,
  meResponseSchema,
  messageResponseSchema,
  oauthErrorSchema,
  registerRequestSchemaFor,
  resendCodeRequestSchema,
  resendCodeResponseSchema,
  resetPasswordRequestSchemaFor,
  resetPasswordResponseSchema,
  revokeRequestSchema,
  revokeSessionResponseSchema,
  sessionIdParamsSchema,
  sessionsResponseSchema,
  tokenRequestSchema,
  tokenResponseSchema,
  updateMeRequestSchema,
  verifyEmailRequestSchema,
  passwordSetupResponseSchema,
} from "../validation/api";

/**
 * The OpenAPI 3.1 document of every route under app/api, generated with
 * zod-openapi from the same schemas the handlers parse with (lib/validation/api.ts).
 * A test walks app/api and fails when a route or method is missing here.
 */

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

const ERROR_TEXT: Record<number, string> = {
  400: "The body or a field is not valid (`invalid-request`, `validation-failed`, or the endpoint's own code).",
  401: 'No valid credentials. `WWW-Authenticate: Bearer realm="gatehouse"` (no token) or with `error="invalid_token"`.',
  403: 'Not allowed: `csrf-rejected` (cookie write from another origin) or `forbidden` with `error="insufficient_scope"`.',
  404: "`not-found`.",
  413: `\`payload-too-large\`: bodies are at most ${MAX_BODY_BYTES / 1024} kB.`,
  415: "`unsupported-media-type`: send application/json.",
  429: "`rate-limited`, with `Retry-After` in seconds.",
  500: "`internal-error`: a bug on our side; nothing about it is in the answer.",
  503: "`service-unavailable` (database down, with `Retry-After`), `busy` (too many password checks in progress, with `Retry-After`) or `mail-unavailable`.",
};

const retryAfterHeader = z.object({
  "Retry-After": z.string().meta({ description: "Seconds to wait before trying again." }),
});
const noStoreHeaders = z.object({
  "Cache-Control": z.literal("no-store"),
  Pragma: z.literal("no-cache"),
});

function apiErrors(...statuses: number[]): ZodOpenApiResponsesObject {
  const out: ZodOpenApiResponsesObject = {};
  for (const status of [...statuses, 500, 503]) {
    const response: ZodOpenApiResponseObject = {
      description: ERROR_TEXT[status] ?? "Error.",
      content: { [JSON_TYPE]: { schema: apiErrorSchema } },
    };
    if (status === 429 || status === 503) response.headers = retryAfterHeader;
    out[`${status}` as `4${string}`] = response;
  }
  return out;
}

function oauthErrors(): ZodOpenApiResponsesObject {
  const e = (description: string, headers?: ZodOpenApiResponseObject["headers"]): ZodOpenApiResponseObject => ({
    description,
    content: { [JSON_TYPE]: { schema: oauthErrorSchema } },
    ...(headers ? { headers } : {}),
  });
  return {
    "400": e("`invalid_request` (missing or malformed parameter, repeated parameter), `invalid_grant`, `unsupported_grant_type`."),
    "401": e("`invalid_client`: client authentication (a secret, or another Authorization scheme) is not supported; public clients only."),
    "413": e(`\`invalid_request\`: the body is larger than ${MAX_BODY_BYTES / 1024} kB.`),
    "415": e("`invalid_request`: send application/x-www-form-urlencoded or application/json."),
    "429": e("`invalid_request` with `Retry-After`: too many attempts from this address.", retryAfterHeader),
    "500": e("`server_error`."),
    "503": e("`temporarily_unavailable` with `Retry-After`: the database is down, or too many password checks are in progress.", retryAfterHeader),
  };
}

function jsonBody(schema: z.ZodType, required = true): ZodOpenApiOperationObject["requestBody"] {
  return { required, content: { [JSON_TYPE]: { schema } } };
}

function ok(description: string, schema: z.ZodType, status: "200" | "202" = "200"): ZodOpenApiResponsesObject {
  return { [status]: { description, content: { [JSON_TYPE]: { schema } } } };
}

/**
 * Paths described next to their routes (e.g. app/api/admin's adminApiPaths):
 * the openapi.json route passes them in, so lib never imports from app.
 */
export type PathGroup = { name: string; paths: () => ZodOpenApiPathsObject };

export type OpenApiDocument = ReturnType<typeof createDocument>;

function buildDocument(groups: PathGroup[]): OpenApiDocument {
  const env = getEnv();
  const min = env.PASSWORD_MIN_LENGTH;
  // Any one of these: a Bearer token (pasted, or from the password flow) or this site's cookie.
  const SIGNED_IN: Array<Record<string, string[]>> = [
    { bearerAuth: [] },
    ...(env.PASSWORD_GRANT_ENABLED ? [{ passwordGrant: [] }] : []),
    { cookieAuth: [] },
  ];

  // Said explicitly on every public operation (OpenAPI: an empty list means no
  // authentication), so a linter or generator never has to guess.
  const PUBLIC: Array<Record<string, string[]>> = [];

  const tokenSuccess: ZodOpenApiResponseObject = {
    description: "RFC 6749 §5.1: a new token pair.",
    headers: noStoreHeaders,
    content: { [JSON_TYPE]: { schema: tokenResponseSchema } },
  };

  const spec: ZodOpenApiObject = {
    openapi: "3.1.0",
    info: {
      title: `${env.APP_NAME} API`,
      version: "1.0.0",
      description: [
        "Authentication for apps that are not this website: mobile apps, SPAs on other origins (CORS_ORIGINS), servers.",
        "",
        "- Get tokens from `POST /api/auth/token` (RFC 6749; form-encoded or JSON) and send `Authorization: Bearer <access_token>`.",
        "- Discovery: `/.well-known/oauth-authorization-server` (RFC 8414 metadata) and `/.well-known/jwks.json` (the EdDSA public keys). Access tokens are RFC 9068 JWTs (`typ: at+jwt`, with `jti` and `client_id`).",
        "- Access tokens live `expires_in` seconds; refresh tokens are single use (each refresh returns a new one; presenting a used one ends the session).",
        "- Errors: `{ \"error\": \"<kebab-code>\", \"message\": \"…\" }`, except the OAuth endpoints, which answer RFC 6749 `{ error, error_description }`.",
        `- Bodies: JSON objects of at most ${MAX_BODY_BYTES / 1024} kB; unknown fields are ignored. Tokens in query strings are ignored.`,
        "- Answers about accounts, tokens and sessions are `Cache-Control: no-store`; only public, secret-free files are cacheable: this document (`/api/openapi.json`) and the documentation page's files (`/api/docs/{asset}`). A method a path does not support answers 405 `method-not-allowed` with `Allow`; an unknown /api path answers 404 `not-found`.",
      ].join("\n"),
    },
    servers: [{ url: env.APP_URL }],
    tags: [
      { name: "OAuth 2.0", description: "Token endpoint (RFC 6749) and revocation (RFC 7009)." },
      { name: "Account", description: "Sign-up, email confirmation, password recovery." },
      { name: "Me", description: "The signed-in user (Bearer token or this site's session cookie)." },
      { name: "Service", description: "Health, this document, the interactive docs and the browser refresh page." },
      ...groups.map((g) => ({ name: g.name })),
    ],
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "access_token from /api/auth/token." },
        cookieAuth: {
          type: "apiKey",
          in: "cookie",
          name: ACCESS_COOKIE,
          description: "This website's session cookie. Writes also need an Origin header of this site.",
        },
        ...(env.PASSWORD_GRANT_ENABLED
          ? {
              passwordGrant: {
                type: "oauth2" as const,
                description: "Password grant (first-party clients; leave client id and secret empty).",
                flows: { password: { tokenUrl: "/api/auth/token", refreshUrl: "/api/auth/token", scopes: {} } },
              },
            }
          : {}),
      },
    },
    paths: {
      "/api/auth/token": {
        post: {
          tags: ["OAuth 2.0"],
          operationId: "token",
          security: PUBLIC,
          summary: "Get or refresh tokens",
          description: [
            "`grant_type=password` (username = email; " +
              (env.PASSWORD_GRANT_ENABLED ? "enabled" : "**turned off on this server**: answers `unsupported_grant_type`") +
              "): same lockout and identical failure answer as the sign-in page. An unverified account gets `invalid_grant` saying the email must be verified (only after the right password).",
            "`grant_type=refresh_token`: rotates the refresh token; replaying an already-used one is `invalid_grant` and ends the whole session.",
            "Client authentication is not supported (public clients): `client_id` is optional; a secret is `invalid_client`.",
          ].join("\n\n"),
          requestBody: {
            required: true,
            content: { [FORM_TYPE]: { schema: tokenRequestSchema }, [JSON_TYPE]: { schema: tokenRequestSchema } },
          },
          responses: { "200": tokenSuccess, ...oauthErrors() },
        },
      },
      "/api/auth/revoke": {
        post: {
          tags: ["OAuth 2.0"],
          operationId: "revoke",
          security: PUBLIC,
          summary: "Revoke a token (RFC 7009)",
          description:
            "Ends the session of a refresh token (current or already rotated) or access token. Always 200 for a well-formed request, whether or not the token was valid.",
          requestBody: {
            required: true,
            content: { [FORM_TYPE]: { schema: revokeRequestSchema }, [JSON_TYPE]: { schema: revokeRequestSchema } },
          },
          responses: { "200": { description: "Revoked, or there was nothing to revoke.", headers: noStoreHeaders }, ...oauthErrors() },
        },
      },
      "/api/auth/logout": {
        post: {
          tags: ["OAuth 2.0"],
          operationId: "logout",
          summary: "Sign out (this session or everywhere)",
          description: "Cookie callers also get both cookies cleared.",
          security: SIGNED_IN,
          requestBody: jsonBody(logoutRequestSchema, false),
          responses: { ...ok("Signed out.", logoutResponseSchema), ...apiErrors(400, 401, 403, 413, 415) },
        },
      },
      "/api/auth/register": {
        post: {
          tags: ["Account"],
          operationId: "register",
          security: PUBLIC,
          summary: "Create an account",
          description: "A 6-digit code is mailed to confirm the address. A taken address gets the very same answer.",
          requestBody: jsonBody(registerRequestSchemaFor(min)),
          responses: { ...ok("Accepted: check the mailbox.", acceptedResponseSchema, "202"), ...apiErrors(400, 413, 415, 429) },
        },
      },
      "/api/auth/verify-email": {
        post: {
          tags: ["Account"],
          operationId: "verifyEmail",
          security: PUBLIC,
          summary: "Confirm the address with the mailed code (signs in)",
          description:
            "With the `registration` secret from the register answer, a right code signs in (a token pair). Without it, the address is confirmed but the pending password is discarded and a link to choose one is mailed (`202`): whoever registered an address first cannot keep access once its owner proves it. " +
            "A wrong, used or expired code (or an unknown, verified or locked address) is `invalid-code` (400); too many wrong codes are `rate-limited` (429).",
          requestBody: jsonBody(verifyEmailRequestSchema),
          responses: {
            "200": tokenSuccess,
            ...ok("Address confirmed; choose a password with the mailed link.", passwordSetupResponseSchema, "202"),
            ...apiErrors(400, 413, 415, 429),
          },
        },
      },
      "/api/auth/resend-code": {
        post: {
          tags: ["Account"],
          operationId: "resendCode",
          security: PUBLIC,
          summary: "Mail a new confirmation code",
          description: "Same answer for every address. At most one code per minute and five per hour.",
          requestBody: jsonBody(resendCodeRequestSchema),
          responses: { ...ok("Accepted.", resendCodeResponseSchema, "202"), ...apiErrors(400, 413, 415, 429) },
        },
      },
      "/api/auth/forgot-password": {
        post: {
          tags: ["Account"],
          operationId: "forgotPassword",
          security: PUBLIC,
          summary: "Mail a password-reset link",
          description: "Same answer for every address, known or not. The link opens this site's reset page.",
          requestBody: jsonBody(forgotPasswordRequestSchema),
          responses: { ...ok("Accepted.", messageResponseSchema, "202"), ...apiErrors(400, 413, 415, 429) },
        },
      },
      "/api/auth/reset-password": {
        post: {
          tags: ["Account"],
          operationId: "resetPassword",
          security: PUBLIC,
          summary: "Set a new password with the token from the link",
          description: "Every session ends; nobody is signed in. An expired, used or unknown token is `invalid-token` (401).",
          requestBody: jsonBody(resetPasswordRequestSchemaFor(min)),
          responses: { ...ok("Password changed.", resetPasswordResponseSchema), ...apiErrors(400, 401, 413, 415, 429) },
        },
      },
      [REFRESH_PATH]: {
        get: {
          tags: ["Service"],
          operationId: "browserRefreshPage",
          security: PUBLIC,
          summary: "Browser only: a page that POSTs back to refresh the session cookies",
          requestParams: { query: z.object({ next: z.string().optional().meta({ description: "Same-site path to return to." }) }) },
          responses: { "200": { description: "HTML page.", content: { "text/html": { schema: { type: "string" } } } } },
        },
        post: {
          tags: ["Service"],
          operationId: "browserRefresh",
          security: PUBLIC,
          summary: "Browser only: rotate the refresh cookie and redirect",
          description: `Reads the \`${REFRESH_COOKIE}\` cookie. API clients use POST /api/auth/token with grant_type=refresh_token instead.`,
          requestBody: {
            content: { [FORM_TYPE]: { schema: z.object({ next: z.string().optional() }) } },
          },
          responses: { "303": { description: "Back to `next` (refreshed) or to the sign-in page (cookies cleared)." } },
        },
      },
      "/api/me": {
        get: {
          tags: ["Me"],
          operationId: "getMe",
          summary: "The signed-in user",
          security: SIGNED_IN,
          responses: { ...ok("The user.", meResponseSchema), ...apiErrors(401) },
        },
        patch: {
          tags: ["Me"],
          operationId: "updateMe",
          summary: "Change the display name",
          description: "Only `name` is read; other fields (role, email, emailVerified, id) are ignored.",
          security: SIGNED_IN,
          requestBody: jsonBody(updateMeRequestSchema),
          responses: { ...ok("The updated user.", meResponseSchema), ...apiErrors(400, 401, 403, 413, 415) },
        },
      },
      "/api/me/sessions": {
        get: {
          tags: ["Me"],
          operationId: "listSessions",
          summary: "Signed-in devices",
          security: SIGNED_IN,
          responses: { ...ok("Live sessions.", sessionsResponseSchema), ...apiErrors(401) },
        },
      },
      "/api/me/sessions/{id}": {
        delete: {
          tags: ["Me"],
          operationId: "revokeSession",
          summary: "Sign out one device",
          description: "An id that is not one of the caller's live sessions is `not-found`.",
          security: SIGNED_IN,
          requestParams: { path: sessionIdParamsSchema },
          responses: { ...ok("Ended.", revokeSessionResponseSchema), ...apiErrors(401, 403, 404) },
        },
      },
      "/api/me/password": {
        post: {
          tags: ["Me"],
          operationId: "changePassword",
          summary: "Change the password",
          description: "A wrong current password is `validation-failed` on `currentPassword` (never a 401). Every other session ends.",
          security: SIGNED_IN,
          requestBody: jsonBody(changePasswordRequestSchemaFor(min)),
          responses: { ...ok("Changed.", changePasswordResponseSchema), ...apiErrors(400, 401, 403, 413, 415, 429) },
        },
      },
      "/api/me/email": {
        post: {
          tags: ["Me"],
          operationId: "requestEmailChange",
          summary: "Start an email change",
          security: SIGNED_IN,
          requestBody: jsonBody(changeEmailRequestSchema),
          responses: { ...ok("Code sent to the new address.", changeEmailResponseSchema, "202"), ...apiErrors(400, 401, 403, 413, 415, 429) },
        },
      },
      "/api/me/email/confirm": {
        post: {
          tags: ["Me"],
          operationId: "confirmEmailChange",
          summary: "Finish an email change with the code",
          security: SIGNED_IN,
          requestBody: jsonBody(confirmEmailChangeRequestSchema),
          responses: { ...ok("The new address.", emailResponseSchema), ...apiErrors(400, 401, 403, 413, 415, 429) },
        },
      },
      "/api/ping": {
        get: {
          tags: ["Service"],
          operationId: "ping",
          security: PUBLIC,
          summary: "Liveness: the server answers (no database query)",
          responses: ok("Up: the process serves requests.", pingResponseSchema),
        },
      },
      "/api/health": {
        get: {
          tags: ["Service"],
          operationId: "health",
          security: PUBLIC,
          summary: "Liveness and database reachability",
          responses: {
            "200": { description: "Up.", content: { [JSON_TYPE]: { schema: healthResponseSchema } } },
            "503": { description: "The database does not answer.", content: { [JSON_TYPE]: { schema: healthResponseSchema } } },
          },
        },
      },
      "/api/openapi.json": {
        get: {
          tags: ["Service"],
          operationId: "openapi",
          security: PUBLIC,
          summary: "This document",
          responses: { "200": { description: "OpenAPI 3.1.", content: { [JSON_TYPE]: { schema: { type: "object" } } } } },
        },
      },
      "/api/docs": {
        get: {
          tags: ["Service"],
          operationId: "docs",
          security: PUBLIC,
          summary: "Interactive documentation (Swagger UI, served from this server)",
          responses: { "200": { description: "HTML page.", content: { "text/html": { schema: { type: "string" } } } } },
        },
      },
      "/api/docs/{asset}": {
        get: {
          tags: ["Service"],
          operationId: "docsAsset",
          security: PUBLIC,
          summary: "A file of the documentation page",
          requestParams: {
            path: z.object({ asset: z.enum(DOCS_ASSET_NAMES).meta({ description: "One of the page's files." }) }),
          },
          responses: {
            "200": { description: "The file (CSS, JavaScript or image)." },
            "404": { description: "`not-found`.", content: { [JSON_TYPE]: { schema: apiErrorSchema } } },
          },
        },
      },
      ...Object.assign({}, ...groups.map((g) => g.paths())),
    },
  };
  return createDocument(spec);
}

const cache = new Map<string, OpenApiDocument>();

/** The document for the current settings (rebuilt when they change, e.g. in tests), with extra path groups. */
export function getOpenApiDocument(groups: PathGroup[] = []): OpenApiDocument {
  const env = getEnv();
  const key = JSON.stringify([env.APP_URL, env.APP_NAME, env.PASSWORD_MIN_LENGTH, env.PASSWORD_GRANT_ENABLED, ACCESS_COOKIE, groups.map((g) => g.name)]);
  let doc = cache.get(key);
  if (!doc) {
    if (cache.size > 8) cache.clear();
    doc = buildDocument(groups);
    cache.set(key, doc);
  }
  return doc;
}
