import type { Metadata } from "next";
import { CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { signInAction } from "./actions";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <>
      <CardHeader>
        <CardTitle>Sign in</CardTitle>
        <CardDescription>Welcome back to Gatehouse.</CardDescription>
      </CardHeader>
      <SignInForm action={signInAction} next={first(params.next)} reason={first(params.reason)} />
    </>
  );
}
