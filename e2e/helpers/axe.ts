import AxeBuilder from "@axe-core/playwright";
import type { Result } from "axe-core";
import type { Page } from "playwright-core";

/** Violations with these impacts fail the suite; moderate and minor ones are only reported. */
const BLOCKING = new Set(["serious", "critical"]);

export type AxeFindings = { blocking: Result[]; other: Result[] };

/** Run axe-core (WCAG 2.x A/AA and best practices) on the page as it is now. */
export async function axeFindings(page: Page): Promise<AxeFindings> {
  const { violations, passes } = await new AxeBuilder({ page }).analyze();
  // Zero violations must mean "checked and fine", never "axe did not run".
  if (passes.length === 0) throw new Error("axe-core ran no checks on this page");
  return {
    blocking: violations.filter((v) => BLOCKING.has(v.impact ?? "")),
    other: violations.filter((v) => !BLOCKING.has(v.impact ?? "")),
  };
}

/** One readable block per violation: rule, impact, what to fix, and each offending element. */
export function formatViolations(where: string, violations: Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 8)
        .map((n) => {
          const summary = (n.failureSummary ?? "").replace(/\s*\n\s*/g, " ");
          return `    - ${n.target.join(" ")}\n      ${n.html.slice(0, 200)}\n      ${summary}`;
        })
        .join("\n");
      const more = v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : "";
      return `[${where}] ${v.id} (${v.impact ?? "?"}): ${v.help}\n  ${v.helpUrl}\n${nodes}${more}`;
    })
    .join("\n\n");
}
