// Small DOM helpers shared by every screen: element builder, toasts, confirmation dialog,
// errors shown next to the field the API names, formatting, progress bars, empty states.

/** h("button.primary", {onclick}, "Save") -> an element; children may be strings or nodes. */
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs === null || typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = [el.className, v].filter(Boolean).join(" ");
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

export function toast(message, kind = "info") {
  const el = h("div.toast", { class: kind === "error" ? "error" : "", role: "status" }, message);
  document.getElementById("toasts").append(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 4000);
}

/** Ask before a destructive action; resolves true only on the explicit confirm button. */
export function confirmAction({ title, body, confirm = "Confirm", danger = true }) {
  return new Promise((resolve) => {
    const dialog = h("dialog.confirm", { "aria-labelledby": "confirm-title" });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h("h2", { id: "confirm-title" }, title),
      h("p", {}, body),
      h(
        "div.actions",
        {},
        h("button", { type: "button", onclick: () => done(false) }, "Cancel"),
        h("button", { type: "button", class: danger ? "danger" : "primary", onclick: () => done(true) }, confirm),
      ),
    );
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Clear the previous errors of a form. */
export function clearErrors(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}

/**
 * Show an ApiError where it belongs: under the input whose name the API's `field` names
 * (`name`, `$.name`, `$.club_id`...), or at the top of the form when no input matches.
 */
export function showError(form, err) {
  clearErrors(form);
  const name = (err.field || "").replace(/^\$\.?/, "").split(/[.[]/)[0];
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
  const text = err.detail || err.message || String(err);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const msg = h("div.field-error", { role: "alert", id: `${name}-error` }, text);
    input.setAttribute("aria-describedby", msg.id);
    (input.closest("label") || input).after(msg);
    input.focus();
  } else {
    form.prepend(h("div.form-error", { role: "alert" }, text));
  }
}

export function formData(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = typeof v === "string" ? v.trim() : v;
  return out;
}

/** Disable a form's submit button while its request runs. */
export async function busy(form, work) {
  const button = form.querySelector("[type=submit]");
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
  }
}

export function pill(status, text = null) {
  return h("span.pill", { class: String(status || "").replace(/\W/g, "_") }, text || String(status || "—").replace(/_/g, " "));
}

export function progressBar(fraction, { small = false, label = true } = {}) {
  const pct = Math.max(0, Math.min(100, Math.round((fraction || 0) * 100)));
  const el = h(
    "div.progress",
    { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct), class: small ? "small" : "" },
    h("div.bar", { style: `width:${pct}%` }),
    label && !small ? h("span.label", {}, `${pct} %`) : null,
  );
  return el;
}

export function setProgress(el, fraction) {
  const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  el.setAttribute("aria-valuenow", String(pct));
  el.querySelector(".bar").style.width = `${pct}%`;
  const label = el.querySelector(".label");
  if (label) label.textContent = `${pct} %`;
}

export function emptyState(title, text, action = null) {
  return h("div.empty", {}, h("h3", {}, title), h("p", {}, text), action);
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function ago(iso) {
  if (!iso) return "never";
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function bytes(n) {
  if (!n && n !== 0) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function duration(s) {
  if (s === null || s === undefined) return "—";
  const m = Math.floor(s / 60);
  const sec = Math.round(s - m * 60);
  return m ? `${m} min ${sec} s` : `${(Math.round(s * 10) / 10).toString()} s`;
}

export function pct(x) {
  return x === null || x === undefined ? "—" : `${Math.round(x)} %`;
}

/** Save a Blob the API returned as a file. */
export function saveBlob(blob, filename) {
  const href = URL.createObjectURL(blob);
  const a = h("a", { href, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

export function filenameFrom(headers, fallback) {
  const cd = headers.get("content-disposition") || "";
  const m = cd.match(/filename="?([^";]+)"?/);
  return m ? m[1] : fallback;
}

export function roleLabel(role) {
  return { platform_admin: "Platform admin", club_admin: "Club admin", club_operator: "Club operator", sponsor_viewer: "Sponsor viewer" }[role] || role;
}
