// Alerts of the club(s): open ones first; resolved ones on request.
import { api } from "../api.js";
import { emptyState, h, mount, pill, when } from "../ui.js";

export async function renderAlerts(root) {
  const list = h("div", { id: "alerts-list" });
  const openOnly = h("input", { type: "checkbox", checked: true });
  const draw = async () => {
    const [alerts, sites] = await Promise.all([api("GET", "/alerts", { query: { open_only: openOnly.checked } }), api("GET", "/sites").catch(() => [])]);
    const siteName = new Map(sites.map((s) => [s.id, s.name]));
    mount(
      list,
      alerts.length
        ? h(
            "div.table-wrap",
            {},
            h(
              "table",
              { id: "alerts-table" },
              h("thead", {}, h("tr", {}, h("th", {}, "Severity"), h("th", {}, "Site"), h("th", {}, "What"), h("th.hide-narrow", {}, "Raised"), h("th.hide-narrow", {}, "Resolved"))),
              h(
                "tbody",
                {},
                alerts.map((a) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, pill(a.severity)),
                    h("td", {}, h("a", { href: `#/sites/${a.site_id}` }, siteName.get(a.site_id) || a.site_id)),
                    h("td", {}, a.message, h("div.muted.small", {}, a.kind.replace(/_/g, " "))),
                    h("td.hide-narrow", {}, when(a.raised_at)),
                    h("td.hide-narrow", {}, a.resolved_at ? when(a.resolved_at) : "open"),
                  ),
                ),
              ),
            ),
          )
        : emptyState(openOnly.checked ? "No open alert" : "No alert", "Alerts appear when a site stops reporting, its proof-of-play chain breaks or a sponsor contract falls behind."),
    );
  };
  openOnly.addEventListener("change", draw);
  mount(
    root,
    h("div.page-head", {}, h("div", {}, h("h1", {}, "Alerts"), h("p.muted", {}, "What needs a look, newest first.")), h("label.check", {}, openOnly, "Open only")),
    list,
  );
  await draw();
  const timer = setInterval(() => draw().catch(() => null), 30000);
  return () => clearInterval(timer);
}
