// Sponsors: list and create; one sponsor's videos, contracts, pacing and reports (PDF, CSV).
import { api } from "../api.js";
import { canWrite, clubName, isPlatform, session } from "../session.js";
import {
  busy,
  clearErrors,
  confirmAction,
  emptyState,
  filenameFrom,
  formData,
  h,
  mount,
  pill,
  progressBar,
  saveBlob,
  showError,
  toast,
} from "../ui.js";

export async function renderSponsors(root) {
  const list = h("div", { id: "sponsors-list" });
  const draw = async () => {
    const sponsors = await api("GET", "/sponsors");
    mount(
      list,
      sponsors.length
        ? h(
            "div.table-wrap",
            {},
            h(
              "table",
              { id: "sponsors-table" },
              h("thead", {}, h("tr", {}, h("th", {}, "Sponsor"), h("th", {}, "Club"), h("th.num", {}, "Videos"), h("th.hide-narrow", {}, "Contact"))),
              h(
                "tbody",
                {},
                sponsors.map((s) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, h("a", { href: `#/sponsors/${s.id}` }, s.name)),
                    h("td", {}, clubName(s.club_id)),
                    h("td.num", {}, String(s.media_ids.length)),
                    h("td.hide-narrow", {}, s.contact_email || "—"),
                  ),
                ),
              ),
            ),
          )
        : emptyState("No sponsors yet", canWrite() ? "Add the club's sponsors below, then link their videos and record their contracts." : "Ask your club admin to add the sponsors."),
    );
  };
  const form = h(
    "form.inline.card",
    { id: "create-sponsor", novalidate: true },
    h("label", {}, "Sponsor name", h("input", { name: "name", required: true, maxlength: 120 })),
    h("label", {}, "Contact e-mail", h("input", { name: "contact_email", type: "email", maxlength: 254 })),
    isPlatform()
      ? h("label", {}, "Club", h("select", { name: "club_id" }, h("option", { value: "" }, "Platform-wide"), session.clubs.map((c) => h("option", { value: c.id }, c.name))))
      : null,
    h("button.primary", { type: "submit" }, "Add sponsor"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearErrors(form);
    const data = formData(form);
    if (!data.name) return showError(form, { field: "name", detail: "Give the sponsor's name." });
    busy(form, async () => {
      try {
        const s = await api("POST", "/sponsors", { json: { name: data.name, contact_email: data.contact_email || "", club_id: data.club_id || undefined } });
        toast(`${s.name} added.`);
        form.reset();
        draw();
      } catch (err) {
        showError(form, err);
      }
    });
  });
  mount(
    root,
    h("div.page-head", {}, h("div", {}, h("h1", {}, "Sponsors"), h("p.muted", {}, "Who pays for airtime, their videos and contracts, and the reports they get."))),
    list,
    canWrite() ? [h("h2", {}, "Add a sponsor"), form] : null,
  );
  await draw();
}

function pacingTable(rows) {
  if (!rows.length) return emptyState("No contract yet", "Record a contract below (period and target plays or seconds) to follow its pacing.");
  return h(
    "div.table-wrap",
    {},
    h(
      "table",
      { id: "pacing-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Period"), h("th", {}, "Progress"), h("th.num", {}, "Delivered"), h("th.num", {}, "Expected now"), h("th.num.hide-narrow", {}, "Projected"), h("th", {}, "Status"))),
      h(
        "tbody",
        {},
        rows.map((p) =>
          h(
            "tr",
            {},
            h("td", {}, `${p.starts_on} → ${p.ends_on}`, h("div.muted.small", {}, `${p.per === "match" ? "per match" : "season"} · ${p.measure}`)),
            h("td", { style: "min-width:140px" }, progressBar(Math.min(1, p.progress))),
            h("td.num", {}, `${Math.round(p.delivered)} / ${Math.round(p.target)}`),
            h("td.num", {}, String(Math.round(p.expected_by_now))),
            h("td.num.hide-narrow", {}, String(Math.round(p.projected))),
            h("td", {}, pill(p.status), p.warning ? h("div.small.field-error", {}, p.warning) : null),
          ),
        ),
      ),
    ),
  );
}

export async function renderSponsor(root, sponsorId) {
  const draw = async () => {
    const [sponsor, contracts, pacing, media] = await Promise.all([
      api("GET", `/sponsors/${sponsorId}`),
      api("GET", `/sponsors/${sponsorId}/contracts`),
      api("GET", `/analytics/sponsors/${sponsorId}/pacing`).catch(() => []),
      api("GET", "/media").catch(() => []),
    ]);
    const byId = new Map(media.map((m) => [m.id, m]));
    const writable = canWrite();

    const unlink = async (mediaId) => {
      const ok = await confirmAction({ title: "Unlink this video?", body: `${byId.get(mediaId)?.name || mediaId} is no longer counted as ${sponsor.name}'s airtime in new configurations.`, confirm: "Unlink" });
      if (!ok) return;
      try {
        await api("DELETE", `/sponsors/${sponsorId}/videos/${mediaId}`);
        draw();
      } catch (err) {
        toast(err.detail, "error");
      }
    };
    const linkForm = h("form.inline", { novalidate: true }, h("label", {}, "Add a video", h("select", { name: "media_id" }, media.filter((m) => !sponsor.media_ids.includes(m.id)).map((m) => h("option", { value: m.id }, m.name)))), h("button", { type: "submit" }, "Link"));
    linkForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const id = linkForm.elements.media_id.value;
      if (!id) return showError(linkForm, { field: "media_id", detail: "Upload the video to the media library first." });
      busy(linkForm, async () => {
        try {
          await api("POST", `/sponsors/${sponsorId}/videos`, { json: { media_id: id } });
          draw();
        } catch (err) {
          showError(linkForm, err);
        }
      });
    });

    const contractForm = h(
      "form.inline.card",
      { id: "contract-form", novalidate: true },
      h("label", {}, "From", h("input", { name: "starts_on", type: "date", required: true })),
      h("label", {}, "To", h("input", { name: "ends_on", type: "date", required: true })),
      h("label", {}, "Target plays", h("input", { name: "target_plays", type: "number", min: 1 })),
      h("label", {}, "or seconds", h("input", { name: "target_seconds", type: "number", min: 1 })),
      h("label", {}, "Per", h("select", { name: "per" }, h("option", { value: "season" }, "season"), h("option", { value: "match" }, "match"))),
      h("button.primary", { type: "submit" }, "Add contract"),
    );
    contractForm.addEventListener("submit", (e) => {
      e.preventDefault();
      clearErrors(contractForm);
      const d = formData(contractForm);
      if (!d.starts_on) return showError(contractForm, { field: "starts_on", detail: "When does the contract start?" });
      if (!d.ends_on) return showError(contractForm, { field: "ends_on", detail: "When does it end?" });
      busy(contractForm, async () => {
        try {
          await api("POST", `/sponsors/${sponsorId}/contracts`, {
            json: { starts_on: d.starts_on, ends_on: d.ends_on, per: d.per, target_plays: d.target_plays ? Number(d.target_plays) : null, target_seconds: d.target_seconds ? Number(d.target_seconds) : null },
          });
          toast("Contract recorded.");
          draw();
        } catch (err) {
          showError(contractForm, err);
        }
      });
    });
    const removeContract = async (c) => {
      const ok = await confirmAction({ title: "Delete this contract?", body: `${c.starts_on} → ${c.ends_on}: its pacing is no longer followed. Plays already recorded stay.`, confirm: "Delete contract" });
      if (!ok) return;
      try {
        await api("DELETE", `/sponsors/${sponsorId}/contracts/${c.id}`);
        draw();
      } catch (err) {
        toast(err.detail, "error");
      }
    };

    const reportForm = h(
      "form.inline.card",
      { id: "report-form" },
      h("label", {}, "From", h("input", { name: "date_from", type: "date" })),
      h("label", {}, "To", h("input", { name: "date_to", type: "date" })),
      h("button.primary", { type: "submit", name: "pdf" }, "Download PDF report"),
      h("button", { type: "button", name: "csv" }, "Download CSV"),
    );
    const download = async (kind) => {
      clearErrors(reportForm);
      const d = formData(reportForm);
      const query = { date_from: d.date_from, date_to: d.date_to };
      try {
        const path = kind === "pdf" ? `/analytics/sponsors/${sponsorId}/report.pdf` : "/analytics/export.csv";
        const { blob, headers } = await api("GET", path, { blob: true, query: kind === "pdf" ? query : { ...query, sponsor_id: sponsorId } });
        saveBlob(blob, filenameFrom(headers, kind === "pdf" ? `sponsor-${sponsorId}.pdf` : "neopro-plays.csv"));
        const code = headers.get("x-verification-code");
        toast(code ? `Report ready. Verification code: ${code}` : "Download ready.");
      } catch (err) {
        showError(reportForm, err);
      }
    };
    reportForm.addEventListener("submit", (e) => {
      e.preventDefault();
      download("pdf");
    });
    reportForm.elements.csv.addEventListener("click", () => download("csv"));

    mount(
      root,
      h("div.crumbs", {}, h("a", { href: "#/sponsors" }, "Sponsors"), " › ", sponsor.name),
      h("div.page-head", {}, h("div", {}, h("h1", {}, sponsor.name), h("p.muted", {}, `${clubName(sponsor.club_id)}${sponsor.contact_email ? ` · ${sponsor.contact_email}` : ""}`))),
      h("h2", {}, "Reports"),
      h("p.muted.small", {}, "The PDF lists every play of the sponsor's videos in the period (default: the last 365 days), with a verification code the sponsor can check."),
      reportForm,
      h("h2", {}, "Pacing"),
      pacingTable(pacing),
      h("h2", {}, "Videos"),
      sponsor.media_ids.length
        ? h("ul", { id: "sponsor-videos" }, sponsor.media_ids.map((id) => h("li", {}, byId.get(id)?.name || id, " ", writable ? h("button.ghost-danger", { type: "button", onclick: () => unlink(id) }, "Unlink") : null)))
        : h("p.muted", {}, "No video linked: link the sponsor's spots so their plays count in the reports."),
      writable
        ? linkForm.elements.media_id.options.length
          ? linkForm
          : h("p.muted", {}, "No other video in the library to link: ", h("a", { href: "#/media" }, "upload the sponsor's spot"), " first.")
        : null,
      h("h2", {}, "Contracts"),
      contracts.length
        ? h("ul", {}, contracts.map((c) => h("li", {}, `${c.starts_on} → ${c.ends_on}: ${c.target_plays ? `${c.target_plays} plays` : c.target_seconds ? `${c.target_seconds} s` : "no target"} per ${c.per}`, c.note ? ` (${c.note})` : "", " ", writable ? h("button.ghost-danger", { type: "button", onclick: () => removeContract(c) }, "Delete") : null)))
        : h("p.muted", {}, "No contract recorded."),
      writable ? contractForm : null,
    );
  };
  await draw();
}
