// The app shell: a tiny router on location.hash, the top bar, and the sign-in state.
import { hasSession, logout, refresh } from "./api.js";
import { clearSession, clubName, loadSession, session } from "./session.js";
import { h, mount, roleLabel } from "./ui.js";
import { renderLogin } from "./screens/login.js";
import { renderSites } from "./screens/sites.js";
import { renderSite } from "./screens/site.js";
import { renderConfig } from "./screens/config.js";
import { renderCommands } from "./screens/commands.js";
import { renderMedia } from "./screens/media.js";
import { renderSponsors, renderSponsor } from "./screens/sponsors.js";
import { renderAlerts } from "./screens/alerts.js";
import { renderClubs } from "./screens/clubs.js";
import { renderAccount } from "./screens/account.js";

const ROUTES = [
  [/^\/sites$/, renderSites, "sites"],
  [/^\/sites\/([^/]+)$/, renderSite, "sites"],
  [/^\/sites\/([^/]+)\/config$/, renderConfig, "sites"],
  [/^\/sites\/([^/]+)\/commands$/, renderCommands, "sites"],
  [/^\/media$/, renderMedia, "media"],
  [/^\/sponsors$/, renderSponsors, "sponsors"],
  [/^\/sponsors\/([^/]+)$/, renderSponsor, "sponsors"],
  [/^\/alerts$/, renderAlerts, "alerts"],
  [/^\/clubs$/, renderClubs, "clubs"],
  [/^\/account$/, renderAccount, "account"],
];

const view = document.getElementById("view");
let cleanup = null;
let visits = 0;
let loginMessage = null;

function stopScreen() {
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
}

function showShell(on) {
  document.getElementById("topbar").hidden = !on;
  if (on && session.me) {
    const me = session.me;
    const where = me.club_id ? clubName(me.club_id) : "all clubs";
    document.querySelector('[data-nav="clubs"]').textContent = me.role === "platform_admin" ? "Clubs" : "People";
    document.getElementById("whoami").textContent = `${me.email} · ${roleLabel(me.role)} · ${where}`;
  }
}

async function route() {
  stopScreen();
  const visit = ++visits;
  const path = location.hash.replace(/^#/, "") || "/sites";
  if (path === "/login" || !session.me) {
    if (path !== "/login" && hasSession()) {
      if (await restore()) return route();
      loginMessage = loginMessage || "Your session has ended. Sign in again to continue.";
    }
    showShell(false);
    const message = loginMessage;
    loginMessage = null;
    renderLogin(view, { message, onSignedIn: signedIn });
    return;
  }
  showShell(true);
  for (const [pattern, render, nav] of ROUTES) {
    const m = path.match(pattern);
    if (!m) continue;
    document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === nav));
    document.getElementById("nav").classList.remove("open");
    // Each visit renders into its own element: a slow screen that finishes after the person
    // has moved on draws into a detached node, and its timers are stopped at once.
    const screen = h("div.screen", {}, h("p.muted", {}, "Loading…"));
    view.replaceChildren(screen);
    try {
      const stop = await render(screen, ...m.slice(1).map(decodeURIComponent));
      if (visit === visits) cleanup = stop;
      else if (typeof stop === "function") stop();
    } catch (err) {
      if (err.status === 401) return;
      mount(screen, h("div.form-error", { role: "alert" }, err.detail || String(err)));
    }
    view.focus({ preventScroll: true });
    return;
  }
  mount(view, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/sites" }, "Go to the sites")));
}

async function restore() {
  try {
    if (!(await refresh())) return false;
    await loadSession();
    return true;
  } catch {
    return false;
  }
}

async function signedIn() {
  await loadSession();
  const here = location.hash && location.hash !== "#/login" ? location.hash : "#/sites";
  const target = sessionStorage.getItem("neopro.after-login") || here;
  sessionStorage.removeItem("neopro.after-login");
  go(target);
}

window.addEventListener("neopro:signed-out", (e) => {
  clearSession();
  loginMessage = e.detail.message;
  if (location.hash !== "#/login") sessionStorage.setItem("neopro.after-login", location.hash || "#/sites");
  go("#/login");
});

document.getElementById("logout").addEventListener("click", async () => {
  await logout();
  clearSession();
  loginMessage = "You are signed out.";
  go("#/login");
});

document.getElementById("menu-toggle").addEventListener("click", (e) => {
  const nav = document.getElementById("nav");
  nav.classList.toggle("open");
  e.currentTarget.setAttribute("aria-expanded", String(nav.classList.contains("open")));
});

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

window.addEventListener("hashchange", route);
route();
