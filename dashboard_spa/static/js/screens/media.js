// The media library: upload with a progress bar, the list with thumbnails, delete.
import { api, upload } from "../api.js";
import { canWrite, clubName, isPlatform, session } from "../session.js";
import {
  bytes,
  clearErrors,
  confirmAction,
  duration,
  emptyState,
  h,
  mount,
  pill,
  progressBar,
  setProgress,
  showError,
  toast,
  when,
} from "../ui.js";

const thumbs = new Map(); // media id -> object URL, kept while the app runs

async function thumbnail(media) {
  if (!media.has_thumbnail) return h("div.thumb.empty", {}, media.status === "transcoding" ? "…" : "no image");
  const img = h("img.thumb", { alt: "", loading: "lazy" });
  if (thumbs.has(media.id)) img.src = thumbs.get(media.id);
  else {
    api("GET", `/media/${media.id}/thumbnail`, { blob: true })
      .then(({ blob }) => {
        thumbs.set(media.id, URL.createObjectURL(blob));
        img.src = thumbs.get(media.id);
      })
      .catch(() => img.replaceWith(h("div.thumb.empty", {}, "no image")));
  }
  return img;
}

function statusCell(m) {
  if (m.status === "transcoding") {
    return h("div", {}, pill("transcoding"), h("div", { style: "margin-top:.3rem" }, progressBar(m.transcode_progress || 0)));
  }
  if (m.status === "failed") return h("div", {}, pill("failed"), h("div.small.field-error", {}, m.transcode_error || "the transcode failed"));
  return pill(m.status);
}

/** Platform media reaches a club only once assigned to it (every site, or one site). */
function assignControl(m) {
  const pick = h("select", { "aria-label": `Club for ${m.name}` }, h("option", { value: "" }, "Assign to a club…"), session.clubs.map((c) => h("option", { value: c.id }, c.name)));
  const shared = h("div.muted.small", {});
  const showAssignments = async () => {
    const rows = await api("GET", `/media/${m.id}/assignments`).catch(() => []);
    shared.textContent = rows.length ? `Assigned to ${rows.map((a) => clubName(a.club_id)).join(", ")}` : "Not assigned to any club yet";
  };
  pick.addEventListener("change", async () => {
    if (!pick.value) return;
    try {
      await api("POST", `/media/${m.id}/assignments`, { json: { club_id: pick.value } });
      toast(`${m.name} can now be used by ${clubName(pick.value)}.`);
    } catch (err) {
      toast(err.detail, "error");
    }
    pick.value = "";
    showAssignments();
  });
  showAssignments();
  return h("div.assign", { style: "margin-top:.3rem" }, shared, pick);
}

async function mediaTable(items, onDelete) {
  const rows = await Promise.all(
    items.map(async (m) =>
      h(
        "tr",
        { dataset: { mediaId: m.id } },
        h("td", {}, await thumbnail(m)),
        h("td", {}, h("div.media-name", {}, m.name), h("div.muted.small", {}, h("span.only-narrow", {}, `${duration(m.duration_s)} · `), `${m.width}×${m.height} ${m.video_codec}`, isPlatform() ? ` · ${clubName(m.club_id)}` : "", !isPlatform() && m.owner === "platform" ? " · platform" : ""), isPlatform() && !m.club_id && m.status === "ready" ? assignControl(m) : null),
        h("td.num.hide-narrow", {}, duration(m.duration_s)),
        h("td.num.hide-narrow", {}, bytes(m.size)),
        h("td", {}, statusCell(m)),
        h("td.hide-narrow", {}, when(m.created_at)),
        h("td", {}, canWrite() && (isPlatform() || m.club_id) ? h("button.ghost-danger", { type: "button", onclick: () => onDelete(m) }, "Delete") : null),
      ),
    ),
  );
  return h(
    "div.table-wrap",
    {},
    h(
      "table",
      { id: "media-table" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "Name"), h("th.num.hide-narrow", {}, "Duration"), h("th.num.hide-narrow", {}, "Size"), h("th", {}, "Status"), h("th.hide-narrow", {}, "Added"), h("th", {}, ""))),
      h("tbody", {}, rows),
    ),
  );
}

function uploadForm(onUploaded) {
  const file = h("input", { type: "file", name: "file", accept: "video/*,.mp4,.m4v,.mov,.mkv,.webm", required: true });
  const progressSlot = h("div", { id: "upload-progress" });
  const form = h(
    "form.stack.card",
    { id: "upload-form", novalidate: true },
    h("h2", { style: "margin-top:0" }, "Upload a video"),
    h("label", {}, "Video file", file),
    isPlatform()
      ? h(
          "label",
          {},
          "Belongs to",
          h("select", { name: "club_id" }, h("option", { value: "" }, "Platform (assign it to clubs later)"), session.clubs.map((c) => h("option", { value: c.id }, c.name))),
        )
      : null,
    h("label.check", {}, h("input", { type: "checkbox", name: "transcode" }), "Also make a copy in the Pi's playback profile (H.264 1080p25), in the background"),
    progressSlot,
    h("div.actions", {}, h("button.primary", { type: "submit" }, "Upload")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const chosen = file.files[0];
    if (!chosen) return showError(form, { field: "file", detail: "Choose a video file first." });
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    const bar = progressBar(0);
    mount(progressSlot, h("div.small", {}, `Uploading ${chosen.name} (${bytes(chosen.size)})…`), bar);
    try {
      const query = { name: chosen.name, club_id: form.club_id?.value || undefined, transcode: form.transcode.checked ? "true" : undefined };
      const out = await upload(chosen, query, (f) => setProgress(bar, f));
      mount(progressSlot, h("div.small", {}, `${out.media.name} uploaded.`), bar);
      toast(`${out.media.name} is in the library.`);
      file.value = "";
      onUploaded();
    } catch (err) {
      progressSlot.replaceChildren();
      const reason = /[.!?]$/.test(err.detail) ? err.detail : `${err.detail}.`;
      showError(form, { field: err.field === "body" || err.field === "name" ? "file" : err.field, detail: `Upload refused: ${reason}` });
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function renderMedia(root) {
  const list = h("div", { id: "media-list" });
  let timer = null;
  const remove = async (m) => {
    const ok = await confirmAction({
      title: `Delete ${m.name}?`,
      body: "It leaves the library. Sites that already have it keep playing it until a new configuration without it is published.",
      confirm: "Delete video",
    });
    if (!ok) return;
    try {
      await api("DELETE", `/media/${m.id}`);
      toast(`${m.name} deleted.`);
      draw();
    } catch (err) {
      toast(err.detail, "error");
    }
  };
  const draw = async () => {
    const items = await api("GET", "/media");
    if (!items.length) {
      mount(list, emptyState("The library is empty", canWrite() ? "Upload the club's videos with the form above: goal, timeout, player intros and sponsor spots." : "Ask your club admin to upload videos."));
    } else {
      mount(list, await mediaTable(items, remove));
    }
    clearTimeout(timer);
    if (items.some((m) => m.status === "transcoding")) timer = setTimeout(() => draw().catch(() => null), 2000);
  };
  mount(
    root,
    h("div.page-head", {}, h("div", {}, h("h1", {}, "Media library"), h("p.muted", {}, "Every video your sites can play. Use them in a site's configuration."))),
    canWrite() ? uploadForm(draw) : null,
    list,
  );
  await draw();
  return () => clearTimeout(timer);
}
