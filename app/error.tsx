"use client";
import Link from "next/link";
import { useEffect } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

type ErrorPageProps = {
  error: unknown;
  /** Next 16: re-fetches the segment from the server and renders it again. */
  retry: () => void;
};

/**
 * Unexpected failure in a page. The error's message is never shown: from server
 * components it is a generic string anyway, and from client code it could hold
 * details the user should not see. Only the digest helps support find the server log.
 */
export default function ErrorPage({ error, retry }: ErrorPageProps) {
  const digest = typeof error === "object" && error !== null && "digest" in error ? String(error.digest) : undefined;

  useEffect(() => {
    // Kept for whoever opens the browser console; the page itself stays generic.
    console.error(error);
  }, [error]);

  return (
    <div className="flex justify-center sm:pt-6">
      <Card className="w-full max-w-md text-center" role="alert">
        <ErrorIcon />
        <h1 className="mt-4 text-2xl font-semibold tracking-tight">Something went wrong</h1>
        <p className="mt-2 text-zinc-600 dark:text-zinc-400">
          Sorry, we could not show this page. It is usually temporary, so please try again.
        </p>
        {digest && (
          <p className="mt-3 text-xs text-zinc-500 dark:text-zinc-400">
            Reference: <code className="font-mono">{digest}</code>
          </p>
        )}
        <div className="mt-6 flex flex-col justify-center gap-2 sm:flex-row">
          {/* retry() (Next 16) fetches the segment again; reset() would only re-render stale data. */}
          <Button onClick={() => retry()}>Try again</Button>
          <Link
            href="/"
            className="inline-flex min-h-11 items-center justify-center rounded-md px-4 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
          >
            Go to the home page
          </Link>
        </div>
      </Card>
    </div>
  );
}

function ErrorIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" className="mx-auto size-12 text-danger-600 dark:text-danger-400">
      <circle cx="12" cy="12" r="9.5" stroke="currentColor" strokeWidth="1.8" />
      <path d="M12 7.5v5.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      <circle cx="12" cy="16.5" r="1.2" fill="currentColor" />
    </svg>
  );
}
