// The fleet: every site with its live status, refreshed every 10 s; create a site.
import { api } from "../api.js";
import { canWrite, clubName, isPlatform, session } from "../session.js";
import { ago, busy, clearErrors, emptyState, formData, h, mount, pct, pill, showError } from "../ui.js";
import { enrollmentPanel } from "./enroll.js";

export function configCell(site) {
  const published = site.published_config_version;
  const applied = site.status.applied_config_version;
  if (!published) return h("span.muted", {}, "none published");
  if (applied === published) return h("span", {}, `v${published} `, pill("online", "applied"));
  const where = applied == null ? "not applied yet" : `Pi on v${applied}`;
  return h("span", { title: `published v${published}; the Pi reports v${applied ?? "—"}` }, `v${published} `, pill("stale", where));
}

/** What is on air, by name when the library knows the media id the Pi reported. */
export function onAirName(mediaId, names) {
  if (!mediaId) return h("span.muted", {}, "—");
  return names.get(mediaId) || mediaId;
}

function siteRow(site, names) {
  const s = site.status;
  return h(
    "tr",
    { dataset: { siteId: site.id } },
    h("td", {}, h("a", { href: `#/sites/${site.id}` }, site.name), isPlatform() ? h("div.muted.small", {}, clubName(site.club_id)) : null),
    h(
      "td",
      {},
      pill(s.state, s.state === "never_seen" ? "never seen" : s.state),
      s.on_air || s.temperature_c != null
        ? h("div.only-narrow.small.muted", {}, s.on_air ? onAirName(s.on_air, names) : "", s.temperature_c != null ? ` ${Math.round(s.temperature_c)} °C` : "")
        : null,
    ),
    h("td", { title: s.last_seen_at || "" }, ago(s.last_seen_at)),
    h("td.hide-narrow", {}, onAirName(s.on_air, names)),
    h("td.hide-narrow", {}, configCell(site)),
    h("td.num.hide-narrow", {}, s.temperature_c == null ? "—" : `${Math.round(s.temperature_c)} °C`),
    h("td.num.hide-narrow", {}, pct(s.disk_percent)),
  );
}

function sitesTable(sites, names) {
  return h(
    "div.table-wrap",
    {},
    h(
      "table",
      { id: "sites-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Site"),
          h("th", {}, "Status"),
          h("th", {}, "Last seen"),
          h("th.hide-narrow", {}, "On air"),
          h("th.hide-narrow", { title: "applied / published" }, "Config"),
          h("th.num.hide-narrow", {}, "Temp."),
          h("th.num.hide-narrow", {}, "Disk"),
        ),
      ),
      h("tbody", {}, sites.map((site) => siteRow(site, names))),
    ),
  );
}

function createForm(onCreated) {
  const clubs = session.clubs;
  const form = h(
    "form.inline.card",
    { id: "create-site", novalidate: true },
    h("label", {}, "New site name", h("input", { name: "name", required: true, maxlength: 120, placeholder: "Main stadium TV" })),
    isPlatform()
      ? h(
          "label",
          {},
          "Club",
          h("select", { name: "club_id", required: true }, h("option", { value: "" }, "Choose a club…"), clubs.map((c) => h("option", { value: c.id }, c.name))),
        )
      : null,
    h("button.primary", { type: "submit" }, "Create site"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = formData(form);
    clearErrors(form);
    if (!data.name) return showError(form, { field: "name", detail: "Give the site a name, e.g. the stadium or room." });
    if (isPlatform() && !data.club_id) return showError(form, { field: "club_id", detail: "Choose the club this site belongs to." });
    busy(form, async () => {
      try {
        const created = await api("POST", "/sites", { json: { name: data.name, club_id: data.club_id || undefined } });
        form.reset();
        onCreated(created);
      } catch (err) {
        showError(form, err);
      }
    });
  });
  return form;
}

export async function renderSites(root) {
  const list = h("div", { id: "sites-list" });
  const names = new Map((await api("GET", "/media").catch(() => [])).map((m) => [m.id, m.name]));
  const enrollSlot = h("div");
  const noClub = isPlatform() && !session.clubs.length;
  const refreshList = async () => {
    const sites = await api("GET", "/sites");
    if (!sites.length) {
      mount(list, emptyState("No sites yet", noClub ? "Sites belong to a club: create the first club, then a site for each TV screen." : canWrite() ? "Create a site below for each TV screen; you will get a code to enroll its Raspberry Pi." : "Your club has no sites yet: ask your club admin to create one."));
    } else {
      mount(list, sitesTable(sites, names), h("p.muted.small", {}, `${sites.length} site${sites.length > 1 ? "s" : ""} · status refreshes every 10 s`));
    }
  };
  mount(
    root,
    h("div.page-head", {}, h("div", {}, h("h1", {}, "Sites"), h("p.muted", {}, "Every club TV, its status from the Pi's heartbeats, and what it plays."))),
    enrollSlot,
    list,
    canWrite()
      ? noClub
        ? h("div.banner.info", {}, "To create a site, first ", h("a", { href: "#/clubs" }, "create a club"), ".")
        : h("div", {}, h("h2", {}, "Add a site"), createForm((created) => {
            mount(enrollSlot, enrollmentPanel(created.site, created.enrollment));
            enrollSlot.scrollIntoView({ behavior: "smooth", block: "start" });
            refreshList();
          }))
      : null,
  );
  await refreshList();
  const timer = setInterval(() => refreshList().catch(() => null), 10000);
  return () => clearInterval(timer);
}
