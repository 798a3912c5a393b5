import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { themeScript } from "@/components/ui/theme-script";
import { getCurrentUser, type CurrentUser } from "@/lib/auth/current-user";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Gatehouse", template: "%s · Gatehouse" },
  description: "Self-hosted sign-up, sign-in and account management.",
  // public/favicon.svg: one vector icon for tabs, bookmarks and the home screen.
  icons: { icon: { url: "/favicon.svg", type: "image/svg+xml" } },
};

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#fafafa" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The CSP allows inline scripts only with this request's nonce (set by middleware as
  // x-nonce). Reading it makes every page dynamic, which a per-response nonce needs anyway.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  // Signed-in visitors see their way back in instead of "Sign in". Read once per
  // request (cached) and never fatal: a database hiccup only hides the shortcut.
  const current: CurrentUser | null = await getCurrentUser().catch(() => null);
  return (
    // The pre-paint script adds class="dark" before React hydrates: expected, not a mismatch.
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Inline and first, so the theme is set before the first paint (no white flash). */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="flex min-h-screen flex-col font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow dark:focus:bg-zinc-900"
        >
          Skip to content
        </a>
        <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
          <nav className="mx-auto flex max-w-5xl items-center justify-between gap-2 px-3 py-2.5 sm:px-4" aria-label="Main">
            <Link
              href="/"
              className="flex shrink-0 items-center gap-1.5 rounded-md text-base font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 min-[400px]:text-lg"
            >
              <LogoMark />
              Gatehouse
            </Link>
            <div className="flex items-center gap-1 text-sm whitespace-nowrap sm:gap-2">
              {current ? (
                <>
                  {current.user.role === "ADMIN" && (
                    <Link
                      href="/admin"
                      className="rounded-md px-2 py-2 font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-brand-500 dark:hover:bg-zinc-800"
                    >
                      Admin
                    </Link>
                  )}
                  <Link
                    href="/dashboard"
                    className="rounded-md bg-brand-600 px-2.5 py-2 font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 sm:px-3"
                  >
                    Your account
                  </Link>
                </>
              ) : (
                <>
                  <Link
                    href="/sign-in"
                    className="rounded-md px-2 py-2 font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-brand-500 dark:hover:bg-zinc-800"
                  >
                    Sign in
                  </Link>
                  <Link
                    href="/sign-up"
                    className="rounded-md bg-brand-600 px-2.5 py-2 font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 sm:px-3"
                  >
                    {/* Short label on the narrowest phones so the header never wraps at 320 px. */}
                    <span className="min-[400px]:hidden">Sign up</span>
                    <span className="hidden min-[400px]:inline">Create account</span>
                  </Link>
                </>
              )}
              <ThemeToggle />
            </div>
          </nav>
        </header>
        <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:py-12">
          {children}
        </main>
        <footer className="border-t border-zinc-200 py-6 text-center text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
          Gatehouse: self-hosted accounts for your apps.
        </footer>
      </body>
    </html>
  );
}

function LogoMark() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5 text-brand-600 min-[400px]:size-6 dark:text-brand-400" fill="none">
      <path d="M3 21V9l9-6 9 6v12" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
      <path d="M9 21v-6a3 3 0 0 1 6 0v6" stroke="currentColor" strokeWidth="2" />
    </svg>
  );
}
