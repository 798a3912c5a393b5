import type { ActionState } from "@/lib/validation/action-state";

/** A promise the test settles when it chooses: lets us look at the form while the action is in flight. */
export function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A fake server action recording each FormData it receives. */
export function fakeAction(answer: ActionState | (() => Promise<ActionState>) = { status: "idle" }) {
  return jest.fn<Promise<ActionState>, [ActionState, FormData]>(async () =>
    typeof answer === "function" ? answer() : answer,
  );
}

/** The FormData of the nth call, as a plain object (FormData has no useful equality). */
export function sentFields(action: jest.Mock<Promise<ActionState>, [ActionState, FormData]>, call = 0) {
  const formData = action.mock.calls[call]?.[1];
  if (!formData) throw new Error(`the action was not called ${call + 1} time(s)`);
  return Object.fromEntries([...formData.entries()].map(([key, value]) => [key, String(value)]));
}
