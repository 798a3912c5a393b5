import "server-only";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";

/**
 * The interactive API docs: Swagger UI served from swagger-ui-dist in
 * node_modules, by our own routes, with no CDN (works offline, nothing for a
 * third party to swap). No inline script either: the nonce CSP covers it.
 */

export const DOCS_PATH = "/api/docs";
export const OPENAPI_PATH = "/api/openapi.json";

export const DOCS_ASSETS = {
  "swagger-ui.css": { file: "swagger-ui.css", type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8" },
  "favicon-32x32.png": { file: "favicon-32x32.png", type: "image/png" },
  "init.js": { file: null, type: "text/javascript; charset=utf-8" },
} as const;
export type DocsAssetName = keyof typeof DOCS_ASSETS;
export const DOCS_ASSET_NAMES = Object.keys(DOCS_ASSETS) as [DocsAssetName, ...DocsAssetName[]];

export function isDocsAsset(name: string): name is DocsAssetName {
  return Object.prototype.hasOwnProperty.call(DOCS_ASSETS, name);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page. `nonce` is the per-response CSP nonce the middleware put on the
 * request (x-nonce): the policy uses 'strict-dynamic', under which only
 * nonced scripts run, same-origin or not.
 */
export function docsHtml(title: string, nonce?: string | null): string {
  const n = nonce && /^[A-Za-z0-9+/=_-]{8,128}$/.test(nonce) ? ` nonce="${nonce}"` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"${n}></script>
<script src="${DOCS_PATH}/init.js"${n}></script>
</body>
</html>
`;
}

/** Starts Swagger UI on our document. Credentials stay in the page's memory (no persistAuthorization). */
export const INIT_SCRIPT = `"use strict";
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_PATH)},
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
`;

function distFile(file: string): string {
  return path.join(/*turbopackIgnore: true*/ process.cwd(), "node_modules", "swagger-ui-dist", file);
}

/** The body of one asset, streamed from node_modules (or generated for init.js); null when missing. */
export async function openDocsAsset(name: DocsAssetName): Promise<{ body: BodyInit; type: string; length?: number } | null> {
  const asset = DOCS_ASSETS[name];
  if (asset.file === null) return { body: INIT_SCRIPT, type: asset.type };
  const file = distFile(asset.file);
  try {
    const info = await stat(file);
    const stream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return { body: stream, type: asset.type, length: info.size };
  } catch {
    return null;
  }
}
