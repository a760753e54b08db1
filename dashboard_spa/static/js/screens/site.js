// One site: live status, its devices (revoke), a new enrollment code, delete.
import { api } from "../api.js";
import { canWrite, clubName, isPlatform } from "../session.js";
import { ago, confirmAction, duration, emptyState, h, mount, pct, pill, toast, when } from "../ui.js";
import { enrollmentPanel } from "./enroll.js";
import { configCell, onAirName } from "./sites.js";

/** The heading and tabs shared by a site's screens. */
export function siteHeader(site, active) {
  const tab = (key, label, href) => h("a", { href, class: key === active ? "active" : "" }, label);
  return [
    h("div.crumbs", {}, h("a", { href: "#/sites" }, "Sites"), " › ", site.name),
    h("div.page-head", {}, h("div", {}, h("h1", {}, site.name), h("div.muted", {}, isPlatform() ? clubName(site.club_id) + " · " : "", pill(site.status.state, site.status.state.replace("_", " "))))),
    h(
      "nav.tabs",
      {},
      tab("overview", "Overview", `#/sites/${site.id}`),
      tab("config", "Configuration", `#/sites/${site.id}/config`),
      tab("commands", "Commands", `#/sites/${site.id}/commands`),
    ),
  ];
}

function statusCard(site, names) {
  const s = site.status;
  const row = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  return h(
    "section.card",
    { id: "site-status" },
    h("h2", {}, "Status"),
    h(
      "dl.kv",
      {},
      row("State", pill(s.state, s.state.replace("_", " "))),
      row("Last seen", s.last_seen_at ? `${ago(s.last_seen_at)} (${when(s.last_seen_at)})` : "never: the Pi has not sent a heartbeat yet"),
      row("On air", onAirName(s.on_air, names)),
      row("Config applied / published", configCell(site)),
      row("Software", s.software_version || "—"),
      row("Temperature", s.temperature_c == null ? "—" : `${s.temperature_c.toFixed(1)} °C`),
      row("CPU / memory / disk", `${pct(s.cpu_percent)} / ${pct(s.memory_percent)} / ${pct(s.disk_percent)}`),
      row("Uptime", s.uptime_s == null ? "—" : duration(s.uptime_s)),
      row("Plays waiting to upload", String(s.outbox_backlog ?? 0)),
    ),
  );
}

function devicesCard(site, devices, reload) {
  const revoke = async (d) => {
    const ok = await confirmAction({
      title: "Revoke this device?",
      body: `Device ${d.id} (${d.hardware?.model || "unknown hardware"}) will be cut off at once: its next call is refused and it must be enrolled again with a new code.`,
      confirm: "Revoke device",
    });
    if (!ok) return;
    try {
      await api("POST", `/sites/${site.id}/devices/${d.id}/revoke`);
      toast("Device revoked.");
      reload();
    } catch (err) {
      toast(err.detail, "error");
    }
  };
  const body = devices.length
    ? h(
        "div.table-wrap",
        {},
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, "Device"), h("th", {}, "Hardware"), h("th", {}, "Enrolled"), h("th", {}, "State"), h("th", {}, ""))),
          h(
            "tbody",
            {},
            devices.map((d) =>
              h(
                "tr",
                {},
                h("td.mono.small", {}, d.id),
                h("td", {}, d.hardware?.model || "—"),
                h("td", {}, when(d.enrolled_at)),
                h("td", {}, d.revoked_at ? pill("offline", `revoked ${when(d.revoked_at)}`) : pill("online", "active")),
                h("td", {}, !d.revoked_at && canWrite() ? h("button.ghost-danger", { type: "button", onclick: () => revoke(d) }, "Revoke") : null),
              ),
            ),
          ),
        ),
      )
    : emptyState("No device enrolled", "Make an enrollment code below and use it on the site's Raspberry Pi.");
  return h("section", {}, h("h2", {}, "Devices"), body);
}

export async function renderSite(root, siteId) {
  const enrollSlot = h("div");
  const names = new Map((await api("GET", "/media").catch(() => [])).map((m) => [m.id, m.name]));
  const draw = async () => {
    const [site, devices] = await Promise.all([api("GET", `/sites/${siteId}`), api("GET", `/sites/${siteId}/devices`)]);
    const newCode = async () => {
      try {
        const code = await api("POST", `/sites/${siteId}/enrollment-codes`);
        mount(enrollSlot, enrollmentPanel(site, code));
        enrollSlot.scrollIntoView({ behavior: "smooth" });
      } catch (err) {
        toast(err.detail, "error");
      }
    };
    const remove = async () => {
      const ok = await confirmAction({
        title: `Delete ${site.name}?`,
        body: "The site, its configuration history, its queued commands and its device credentials are deleted. The Pi stops syncing. This cannot be undone.",
        confirm: "Delete site",
      });
      if (!ok) return;
      try {
        await api("DELETE", `/sites/${siteId}`);
        toast(`${site.name} deleted.`);
        location.hash = "#/sites";
      } catch (err) {
        toast(err.detail, "error");
      }
    };
    mount(
      root,
      siteHeader(site, "overview"),
      statusCard(site, names),
      devicesCard(site, devices, draw),
      canWrite()
        ? h(
            "section",
            {},
            h("h2", {}, "Enroll a Pi"),
            h("p.muted", {}, "A code is valid once, for 15 minutes. Making a new one is how you replace or re-install the Pi."),
            h("div.actions", {}, h("button.primary", { type: "button", onclick: newCode }, "New enrollment code"), h("button.ghost-danger", { type: "button", onclick: remove }, "Delete site")),
          )
        : null,
      enrollSlot,
    );
  };
  await draw();
  // Live status without redrawing the page (which would drop a shown enrollment code).
  const timer = setInterval(async () => {
    try {
      const site = await api("GET", `/sites/${siteId}`);
      const card = root.querySelector("#site-status");
      if (card) card.replaceWith(statusCard(site, names));
    } catch {
      /* the next tick tries again */
    }
  }, 10000);
  return () => clearInterval(timer);
}
