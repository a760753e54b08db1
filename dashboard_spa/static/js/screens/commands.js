// Commands to a site: send (with priority and expiry), follow the queue and results, cancel.
import { api } from "../api.js";
import { busy, clearErrors, confirmAction, emptyState, h, mount, pill, showError, toast, when } from "../ui.js";
import { siteHeader } from "./site.js";

const TYPES = {
  sync_now: { label: "Sync now", help: "Fetch the configuration and media at once." },
  play_clip: { label: "Play a clip", help: "Put a library video on air now." },
  set_volume: { label: "Set volume", help: "The TV output volume, 0 to 100." },
  restart_service: { label: "Restart a service", help: "Restart the player, the hub or the agent." },
  reboot: { label: "Reboot the Pi", help: "The TV is black for about a minute." },
  screenshot: { label: "Screenshot", help: "What the TV shows now." },
  get_logs: { label: "Get logs", help: "The last lines of a service's log." },
  apply_config: { label: "Apply a config version", help: "Apply a published version now." },
  update_software: { label: "Update software", help: "Install a release (platform team)." },
};

function argFields(type, media) {
  switch (type) {
    case "play_clip":
      return h("label", {}, "Clip", h("select", { name: "media_id", required: true }, media.filter((m) => m.status === "ready").map((m) => h("option", { value: m.id }, m.name))));
    case "set_volume":
      return h("label", {}, "Volume (0–100)", h("input", { name: "volume", type: "number", min: 0, max: 100, value: 80, required: true }));
    case "restart_service":
    case "get_logs":
      return [
        h("label", {}, "Service", h("select", { name: "service" }, ["player", "remote", "agent"].map((s) => h("option", { value: s }, s)))),
        type === "get_logs" ? h("label", {}, "Lines", h("input", { name: "lines", type: "number", min: 1, max: 5000, value: 200 })) : null,
      ];
    case "apply_config":
      return h("label", {}, "Version", h("input", { name: "version", type: "number", min: 1, required: true }));
    case "update_software":
      return [
        h("label", {}, "Version", h("input", { name: "version", required: true })),
        h("label", {}, "URL", h("input", { name: "url", type: "url", required: true })),
        h("label", {}, "sha256", h("input", { name: "sha256", required: true, pattern: "[0-9a-f]{64}" })),
      ];
    default:
      return null;
  }
}

function argsOf(type, form) {
  const v = (n) => form.elements[n]?.value.trim();
  const num = (n) => (v(n) === "" ? undefined : Number(v(n)));
  return {
    play_clip: () => ({ media_id: v("media_id") }),
    set_volume: () => ({ volume: num("volume") }),
    restart_service: () => ({ service: v("service") }),
    get_logs: () => ({ service: v("service"), lines: num("lines") }),
    apply_config: () => ({ version: num("version") }),
    update_software: () => ({ version: v("version"), url: v("url"), sha256: v("sha256") }),
  }[type]?.() || {};
}

function sendForm(siteId, media, onSent) {
  const type = h("select", { name: "type" }, Object.entries(TYPES).map(([k, t]) => h("option", { value: k }, t.label)));
  const help = h("p.muted.small", {});
  const args = h("div.args", { style: "display:grid;gap:.8rem" });
  const form = h(
    "form.stack.card",
    { id: "command-form", novalidate: true },
    h("h2", { style: "margin-top:0" }, "Send a command"),
    h("label", {}, "Command", type),
    help,
    args,
    h(
      "div.actions",
      {},
      h("label", {}, "Priority", h("select", { name: "priority" }, [10, 8, 5, 3, 1].map((p) => h("option", { value: p, selected: p === 5 }, { 10: "10 (most urgent)", 8: "8 (high)", 5: "5 (normal)", 3: "3 (low)", 1: "1 (lowest)" }[p])))),
      h(
        "label",
        {},
        "Give up after",
        h("select", { name: "expires_in_s" }, h("option", { value: "" }, "never"), h("option", { value: 300 }, "5 minutes"), h("option", { value: 3600, selected: true }, "1 hour"), h("option", { value: 86400 }, "1 day"), h("option", { value: 604800 }, "1 week")),
      ),
    ),
    h("div.actions", {}, h("button.primary", { type: "submit" }, "Send")),
  );
  const redraw = () => {
    help.textContent = TYPES[type.value].help;
    mount(args, argFields(type.value, media));
  };
  type.addEventListener("change", redraw);
  redraw();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (type.value === "reboot") {
      const ok = await confirmAction({ title: "Reboot the Pi?", body: "The TV goes black for about a minute while the Pi restarts.", confirm: "Reboot" });
      if (!ok) return;
    }
    const expires = form.elements.expires_in_s.value;
    busy(form, async () => {
      try {
        await api("POST", `/sites/${siteId}/commands`, {
          json: { type: type.value, args: argsOf(type.value, form), priority: Number(form.elements.priority.value), expires_in_s: expires ? Number(expires) : null },
        });
        toast(`${TYPES[type.value].label}: queued. A connected Pi gets it at once, an offline one when it returns.`);
        onSent();
      } catch (err) {
        const field = (err.field || "").replace(/^\$?\.?args\.?/, "") || err.field;
        showError(form, { ...err, field, detail: err.detail });
      }
    });
  });
  return form;
}

function resultText(c) {
  if (c.error) return h("span.field-error", {}, c.error);
  if (!c.result || !Object.keys(c.result).length) return h("span.muted", {}, "—");
  if (c.type === "screenshot" && typeof c.result.jpeg_base64 === "string") {
    const taken = c.result.taken_at ? new Date(c.result.taken_at).toLocaleString() : "";
    return h("a", { href: `data:image/jpeg;base64,${c.result.jpeg_base64}`, target: "_blank", rel: "noopener", title: "Open full size" },
      h("img.screenshot", { src: `data:image/jpeg;base64,${c.result.jpeg_base64}`, alt: `What the TV showed ${taken}`, width: 240 }));
  }
  return h("code.small", { style: "white-space:pre-wrap;word-break:break-all" }, JSON.stringify(c.result).slice(0, 300));
}

function queueTable(siteId, commands, reload) {
  const cancel = async (c) => {
    const ok = await confirmAction({ title: `Cancel “${TYPES[c.type]?.label || c.type}”?`, body: "The Pi will not run it. A command it has already started cannot be cancelled.", confirm: "Cancel command" });
    if (!ok) return;
    try {
      await api("POST", `/sites/${siteId}/commands/${c.id}/cancel`);
      toast("Command cancelled.");
    } catch (err) {
      toast(err.detail, "error");
    }
    reload();
  };
  return h(
    "div.table-wrap",
    {},
    h(
      "table",
      { id: "commands-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Command"), h("th", {}, "Status"), h("th.num", {}, "Prio."), h("th.hide-narrow", {}, "Queued"), h("th.hide-narrow", {}, "Expires"), h("th", {}, "Result"), h("th", {}, ""))),
      h(
        "tbody",
        {},
        commands.map((c) =>
          h(
            "tr",
            { dataset: { commandId: c.id } },
            h("td", {}, TYPES[c.type]?.label || c.type, Object.keys(c.args || {}).length ? h("div.muted.small", {}, JSON.stringify(c.args)) : null),
            h("td", {}, pill(c.status), h("div.muted.small", {}, `attempt ${c.attempts}/${c.max_attempts}`)),
            h("td.num", {}, String(c.priority)),
            h("td.hide-narrow.small", {}, when(c.created_at)),
            h("td.hide-narrow.small", {}, c.expires_at ? when(c.expires_at) : "never"),
            h("td", {}, resultText(c)),
            h("td", {}, ["queued", "sent"].includes(c.status) ? h("button.ghost-danger", { type: "button", onclick: () => cancel(c) }, "Cancel") : null),
          ),
        ),
      ),
    ),
  );
}

export async function renderCommands(root, siteId) {
  const [site, media] = await Promise.all([api("GET", `/sites/${siteId}`), api("GET", "/media").catch(() => [])]);
  const queue = h("div", { id: "command-queue" });
  const draw = async () => {
    const commands = await api("GET", `/sites/${siteId}/commands`);
    mount(queue, commands.length ? queueTable(siteId, commands, draw) : emptyState("No commands yet", "Send one above: it waits in the queue until the Pi takes it, and its result shows here."));
  };
  mount(root, siteHeader(site, "commands"), sendForm(siteId, media, draw), h("h2", {}, "Queue and results"), queue);
  await draw();
  const timer = setInterval(() => draw().catch(() => null), 5000);
  return () => clearInterval(timer);
}
