import { Card } from "@/components/ui/card";

/** Auth pages: one centred card, narrow enough to read on a 320 px phone. */
export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex justify-center sm:pt-6">
      <Card className="w-full max-w-md">{children}</Card>
    </div>
  );
}
