import Link from "next/link";

export default function HomePage() {
  return (
    <section className="mx-auto max-w-2xl space-y-6 text-center">
      <h1 className="text-4xl font-bold tracking-tight">Your shop&apos;s front door, under your own roof.</h1>
      <p className="text-lg text-zinc-600 dark:text-zinc-300">
        Gatehouse is a self-hosted authentication service: customers create an account, confirm their email with a
        6-digit code, sign in and stay signed in safely. Staff manage accounts from an admin area, and other apps use
        the same accounts through an OAuth2-style JSON API.
      </p>
      <div className="flex justify-center gap-3">
        <Link
          href="/sign-up"
          className="rounded-md bg-brand-600 px-5 py-2.5 font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2"
        >
          Create an account
        </Link>
        <Link
          href="/sign-in"
          className="rounded-md border border-zinc-300 px-5 py-2.5 font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
        >
          Sign in
        </Link>
      </div>
    </section>
  );
}
