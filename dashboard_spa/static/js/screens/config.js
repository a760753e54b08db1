// A site's configuration: edit the draft as JSON (errors pointed at the field the API
// names), publish, history, diff between versions, rollback.
import { api } from "../api.js";
import { lineOf, pretty, selectLine, syntaxPosition } from "../jsontext.js";
import { canWrite } from "../session.js";
import { confirmAction, emptyState, h, mount, toast, when } from "../ui.js";
import { siteHeader } from "./site.js";

function stateCard(state) {
  const applied = state.applied_version;
  const published = state.published_version;
  return h(
    "div.card",
    { id: "config-state" },
    h(
      "dl.kv",
      {},
      h("dt", {}, "Published"),
      h("dd", {}, published ? `version ${published}` : "nothing published yet"),
      h("dt", {}, "Applied on the Pi"),
      h("dd", {}, applied == null ? "not reported yet" : `version ${applied}${state.applied_at ? ` (${when(state.applied_at)})` : ""}`),
      h("dt", {}, "Draft"),
      h("dd", {}, state.draft_saved ? "a saved draft is waiting to be published" : "no saved draft"),
    ),
    published && applied !== published
      ? h("div.banner.warn", {}, `The Pi has not applied version ${published} yet: it will when it next syncs.`)
      : null,
  );
}

function diffTable(diff) {
  if (!diff.changes.length) return h("p.muted", {}, `No difference between version ${diff.from_version} and ${diff.to_version}.`);
  const show = (v) => (v === undefined || v === null ? "—" : h("code", {}, JSON.stringify(v)));
  return h(
    "div.table-wrap",
    {},
    h(
      "table",
      { id: "diff-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Where"), h("th", {}, "Change"), h("th", {}, `v${diff.from_version}`), h("th", {}, `v${diff.to_version}`))),
      h(
        "tbody",
        {},
        diff.changes.map((c) =>
          h("tr", {}, h("td.mono.small", {}, c.path), h("td", { class: `diff-${c.change}` }, c.change), h("td.small", {}, show(c.old)), h("td.small", {}, show(c.new))),
        ),
      ),
    ),
  );
}

export async function renderConfig(root, siteId) {
  const [site, draft, state, versions, media] = await Promise.all([
    api("GET", `/sites/${siteId}`),
    api("GET", `/sites/${siteId}/config/draft`),
    api("GET", `/sites/${siteId}/config/state`),
    api("GET", `/sites/${siteId}/config/versions`),
    api("GET", "/media").catch(() => []),
  ]);
  const writable = canWrite();
  let layout = pretty(draft.document);
  let savedText = draft.saved ? layout.text : null;
  const textarea = h("textarea.json", { id: "config-json", spellcheck: false, "aria-label": "Configuration document (JSON)", readonly: !writable });
  textarea.value = layout.text;
  const errorSlot = h("div", { id: "config-errors", "aria-live": "assertive" });
  const note = h("input", { name: "note", maxlength: 280, placeholder: "What changed (optional)", style: "flex:1;min-width:200px" });
  const stateSlot = h("div", {}, stateCard(state));
  const historySlot = h("div");
  const diffSlot = h("div", { id: "diff" });

  const showFieldError = (path, detail) => {
    const line = lineOf(layout.where, path);
    mount(
      errorSlot,
      h(
        "div.form-error",
        { role: "alert" },
        h("div.field-error", { "data-field": path }, h("strong", {}, path), ` (line ${line + 1}): ${detail}`),
        h("div.small", {}, "Fix the value at that line and save again."),
      ),
    );
    textarea.setAttribute("aria-invalid", "true");
    selectLine(textarea, line);
  };

  /** Parse the editor's text; on a syntax error show where and return null. */
  const parsed = () => {
    try {
      return JSON.parse(textarea.value);
    } catch (err) {
      const line = syntaxPosition(textarea.value, err);
      mount(errorSlot, h("div.form-error", { role: "alert" }, h("div.field-error", {}, `This is not valid JSON${line == null ? "" : ` (line ${line + 1})`}: ${err.message}`)));
      if (line != null) selectLine(textarea, line);
      return null;
    }
  };

  const save = async () => {
    errorSlot.replaceChildren();
    textarea.removeAttribute("aria-invalid");
    const doc = parsed();
    if (doc === null) return false;
    try {
      const out = await api("PUT", `/sites/${siteId}/config/draft`, { json: doc });
      layout = pretty(out.document);
      textarea.value = layout.text;
      savedText = layout.text;
      return true;
    } catch (err) {
      if (err.field && err.field.startsWith("$")) {
        layout = pretty(doc);
        textarea.value = layout.text;
        showFieldError(err.field, err.detail);
      } else {
        mount(errorSlot, h("div.form-error", { role: "alert" }, err.field ? h("div.field-error", {}, `${err.field}: ${err.detail}`) : err.detail));
      }
      return false;
    }
  };

  const refreshSide = async () => {
    const [st, vs] = await Promise.all([api("GET", `/sites/${siteId}/config/state`), api("GET", `/sites/${siteId}/config/versions`)]);
    mount(stateSlot, stateCard(st));
    drawHistory(vs);
  };

  const publish = async (button) => {
    button.disabled = true;
    try {
      if (textarea.value !== savedText && !(await save())) return;
      const out = await api("POST", `/sites/${siteId}/config/publish`, { json: { note: note.value.trim() } });
      note.value = "";
      toast(`Version ${out.version} published; connected Pis are told at once.`);
      layout = pretty(out.document);
      textarea.value = layout.text;
      savedText = null;
      await refreshSide();
    } catch (err) {
      if (err.field && err.field.startsWith("$")) showFieldError(err.field, err.detail);
      else mount(errorSlot, h("div.form-error", { role: "alert" }, err.detail));
    } finally {
      button.disabled = false;
    }
  };

  const compare = async (from, to) => {
    try {
      mount(diffSlot, h("h3", {}, `Changes from version ${from} to ${to}`), diffTable(await api("GET", `/sites/${siteId}/config/diff`, { query: { from, to } })));
      diffSlot.scrollIntoView({ behavior: "smooth", block: "nearest" });
    } catch (err) {
      toast(err.detail, "error");
    }
  };

  const rollback = async (version) => {
    const ok = await confirmAction({
      title: `Roll back to version ${version}?`,
      body: `Version ${version}'s document is published again as a new version, and every Pi of this site switches to it at its next sync. Unpublished draft changes are kept.`,
      confirm: `Roll back to v${version}`,
    });
    if (!ok) return;
    try {
      const out = await api("POST", `/sites/${siteId}/config/versions/${version}/rollback`);
      toast(`Version ${out.version} published (a copy of version ${version}).`);
      await refreshSide();
    } catch (err) {
      toast(err.detail, "error");
    }
  };

  function drawHistory(vs) {
    if (!vs.length) {
      mount(historySlot, emptyState("Nothing published yet", "Edit the document above, save it as a draft, then publish: it becomes version 1."));
      return;
    }
    const latest = vs[0].version;
    mount(
      historySlot,
      h(
        "div.table-wrap",
        {},
        h(
          "table",
          { id: "history-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "Version"), h("th", {}, "Published"), h("th", {}, "Note"), h("th", {}, ""))),
          h(
            "tbody",
            {},
            vs.map((v) =>
              h(
                "tr",
                { dataset: { version: String(v.version) } },
                h("td", {}, h("strong", {}, `v${v.version}`), v.version === latest ? h("span.pill.online", { style: "margin-left:.4rem" }, "current") : null),
                h("td", {}, when(v.created_at)),
                h("td", {}, v.note || (v.republished_from ? `rollback to v${v.republished_from}` : h("span.muted", {}, "—"))),
                h(
                  "td",
                  {},
                  h(
                    "div.actions",
                    {},
                    v.version > 1 ? h("button", { type: "button", onclick: () => compare(v.version - 1, v.version) }, "Diff with previous") : null,
                    writable && v.version !== latest ? h("button.ghost-danger", { type: "button", onclick: () => rollback(v.version) }, "Roll back") : null,
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    if (vs.length > 1) {
      const options = () => vs.map((v) => h("option", { value: v.version }, `v${v.version}`));
      const from = h("select", { name: "from", "aria-label": "from version" }, options());
      const to = h("select", { name: "to", "aria-label": "to version" }, options());
      from.value = String(vs[1].version);
      to.value = String(latest);
      historySlot.append(
        h("div.actions", { style: "margin-top:.75rem" }, "Compare", from, "with", to, h("button", { type: "button", onclick: () => compare(from.value, to.value) }, "Show diff")),
      );
    }
  }

  // Adding a library video by hand means copying its id, sha256 and duration: do it for them.
  const usable = media.filter((m) => m.status === "ready" && (m.club_id === null || m.club_id === site.club_id));
  const pick = h("select", { "aria-label": "Library video to add" }, usable.map((m) => h("option", { value: m.id }, m.name)));
  const addVideo = () => {
    const doc = parsed();
    const m = usable.find((x) => x.id === pick.value);
    if (doc === null || !m) return;
    doc.videos = doc.videos || [];
    if (doc.videos.some((v) => v.sha256 === m.sha256)) return toast(`${m.name} is already in the document.`);
    const title = m.name.replace(/\.[^.]+$/, "").slice(0, 80) || "Video";
    doc.videos.push({ id: m.id, title, sha256: m.sha256, ext: m.ext, duration_s: m.duration_s, size: m.size });
    layout = pretty(doc);
    textarea.value = layout.text;
    selectLine(textarea, lineOf(layout.where, `$.videos[${doc.videos.length - 1}]`));
    toast(`${m.name} added to $.videos: put its id in a category or a loop, then save.`);
  };
  const videoPicker = usable.length
    ? h("div.actions", {}, pick, h("button", { type: "button", onclick: addVideo }, "Add to videos"))
    : h("p.muted.small", {}, "No ready video of this club in the library yet: ", h("a", { href: "#/media" }, "upload one"), " to use it here.");

  drawHistory(versions);
  const saveButton = h("button", { type: "button", id: "save-draft" }, "Save draft");
  saveButton.addEventListener("click", async () => {
    saveButton.disabled = true;
    try {
      if (await save()) {
        toast("Draft saved. Publish it to send it to the site.");
        await refreshSide();
      }
    } finally {
      saveButton.disabled = false;
    }
  });
  const publishButton = h("button.primary", { type: "button", id: "publish" }, "Publish");
  publishButton.addEventListener("click", () => publish(publishButton));
  mount(
    root,
    siteHeader(site, "config"),
    stateSlot,
    h(
      "section.editor",
      {},
      h("h2", {}, draft.saved ? "Draft" : draft.based_on ? `Draft (starting from version ${draft.based_on})` : "Draft (a fresh document)"),
      h("p.muted.small", {}, "The site configuration document (JSON): videos, categories, loops per match phase, sponsors, overlay, remote and playback settings. The cloud checks it when you save."),
      writable ? videoPicker : null,
      errorSlot,
      textarea,
      writable ? h("div.actions", {}, saveButton, note, publishButton) : h("p.muted", {}, "Only club admins can change the configuration."),
    ),
    h("h2", {}, "History"),
    historySlot,
    diffSlot,
  );
}
