import "server-only";
import { NextResponse } from "next/server";
import { recordEvent } from "../data/audit";
import { log } from "../log";
import { CSRF_MESSAGE } from "./constants";
import { contextFromHeaders } from "./request-context";

/**
 * Store a refused cross-site write as `malicious_csrf` (SECURITY.md: CSRF
 * rejections are audit events). A flood from one address is stored at the
 * capped rate of every refusal (recordEvent, REFUSAL_AUDIT_LIMIT), and a store
 * that is down never turns the 403 into anything else: the refusal matters
 * more than its record.
 */
export async function recordCsrfRefusal(headers: Headers, path: string): Promise<void> {
  const ctx = contextFromHeaders(headers);
  try {
    await recordEvent("malicious_csrf", ctx, { detail: { path } });
  } catch (err) {
    log().warn({ err, requestId: ctx.requestId }, "could not record a CSRF refusal");
  }
}

/** The 403 every CSRF refusal answers, in the API's error shape. */
export function csrfRefusedResponse(): NextResponse {
  return NextResponse.json({ error: "csrf-rejected", message: CSRF_MESSAGE }, { status: 403, headers: { "Cache-Control": "no-store" } });
}
