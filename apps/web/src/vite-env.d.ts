// Types of what Vite adds to modules (CSS imports, import.meta.env) for the dashboard sources.
/// <reference types="vite/client" />
