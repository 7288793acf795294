// Entry point of the dashboard: mounts the app with its language and platform contexts.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { LocaleProvider } from "./locale.js";
import { PlatformProvider } from "./platform.js";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <LocaleProvider>
      <PlatformProvider>
        <App />
      </PlatformProvider>
    </LocaleProvider>
  </StrictMode>,
);
