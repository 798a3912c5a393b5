/**
 * Shared by the inline pre-paint script (app/layout.tsx) and the theme toggle.
 * Kept out of the 'use client' module: a server component importing a constant from
 * a client module would get a client reference, not the string.
 */
export const THEME_STORAGE_KEY = "gatehouse-theme";

/**
 * Runs before first paint so a dark-mode user never sees a white flash. Stored choice
 * wins; otherwise the system preference. try/catch: storage can be blocked (privacy
 * modes), and then the system preference still applies.
 */
export const themeScript = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});var d=t==="dark"||(t!=="light"&&window.matchMedia("(prefers-color-scheme: dark)").matches);document.documentElement.classList.toggle("dark",d);}catch(e){}})();`;
