import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className="flex justify-center sm:pt-6">
      <Card className="w-full max-w-md text-center">
        <p className="font-mono text-5xl font-bold text-brand-600 dark:text-brand-400">404</p>
        <h1 className="mt-3 text-2xl font-semibold tracking-tight">This page does not exist</h1>
        <p className="mt-2 text-zinc-600 dark:text-zinc-400">
          The link may be old or mistyped. Check the address, or start again from one of these:
        </p>
        <div className="mt-6 flex flex-col justify-center gap-2 sm:flex-row">
          <Link
            href="/"
            className="inline-flex min-h-11 items-center justify-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white hover:bg-brand-700"
          >
            Home page
          </Link>
          <Link
            href="/sign-in"
            className="inline-flex min-h-11 items-center justify-center rounded-md border border-zinc-300 px-4 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            Sign in
          </Link>
        </div>
      </Card>
    </div>
  );
}
