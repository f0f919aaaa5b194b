import { render } from "preact";
import { LocationProvider } from "preact-iso";
import { App } from "./app.tsx";
import { ROUTER_SCOPE } from "./shell/routes.ts";
import "./styles.css";

const root = document.getElementById("app");
if (!root) throw new Error("index.html is missing <div id=\"app\">");
// Links inside the dashboard's own pages change the page in place (History API); any other
// link (/docs, /p/<slug>/, a download) loads as usual.
render(
  <LocationProvider scope={ROUTER_SCOPE}>
    <App />
  </LocationProvider>,
  root,
);
