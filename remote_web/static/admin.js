// The local admin: plain fetch() calls to /api/admin/*, every change with the CSRF header.
(function () {
  "use strict";
  const boot = JSON.parse(document.getElementById("data").textContent);
  const W = boot.words;
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props || {});
    node.append(...children);
    return node;
  };
  $("logout-csrf").value = boot.csrf;

  async function api(method, path, body) {
    const r = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "X-CSRF-Token": boot.csrf, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status === 401) { location.href = "/login?role=admin&next=/admin"; throw new Error("401"); }
    const data = await r.json();
    if (!r.ok) throw new Error(data.message || r.statusText);
    return data;
  }

  let toastTimer = 0;
  function toast(text, kind) {
    const t = $("toast");
    t.textContent = text;
    t.className = "toast " + (kind || "");
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
  }

  // -- status ----------------------------------------------------------------------------
  const mib = (n) => (n / 1048576).toFixed(0) + " MiB";
  function duration(s) {
    if (s == null) return "—";
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d ? d + " d " : "") + h + " h " + m + " min";
  }
  async function refreshStatus() {
    const s = await api("GET", "/api/admin/status");
    const air = s.player.status.on_air;
    const rows = [
      [W.player, s.player.connected ? W.connected : W.disconnected],
      [W.on_air, air ? air.title : W.nothing],
      [W.phones, String(s.phones)],
      [W.agent, !s.agent.known ? "—" : s.agent.stale ? W.agent_stopped : "ok"],
      [W.cloud, s.agent.known && !s.agent.stale ? W["cloud_" + s.agent.cloud] || s.agent.cloud : "—"],
      ...(s.agent.alerts || []).map((a) => ["⚠", a]),
      ...(s.agent.downloads || []).map((d) => ["↓", d.filename.slice(0, 12) + "… " + Math.round(d.percent) + " %"]),
      [W.disk, mib(s.disk.free) + " / " + mib(s.disk.total) + " (" + s.disk.percent + " %)"],
      [W.cpu_temp, s.cpu_temp_c == null ? "—" : s.cpu_temp_c + " °C"],
      [W.uptime, duration(s.uptime_s)],
      [W.version, s.version],
    ];
    $("status").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
    if (!$("hotspot-form").ssid.value) $("hotspot-form").ssid.value = s.hotspot.ssid;
  }

  // -- content ---------------------------------------------------------------------------
  async function refreshContent() {
    const c = await api("GET", "/api/admin/content");
    const videos = new Map(c.videos.map((v) => [v.id, v]));
    $("upload-category").replaceChildren(...c.categories.filter((k) => !k.locked)
      .map((k) => el("option", { value: k.id, textContent: k.label })));
    $("library").replaceChildren(...c.categories.map((k) => {
      const swatch = el("span", { className: "swatch" });
      swatch.style.background = k.color;
      const head = el("h3", {}, swatch, el("span", { className: "name", textContent: (k.icon ? k.icon + " " : "") + k.label }));
      if (k.locked) head.append(el("span", { className: "lock", textContent: "🔒 " + W.locked_short, title: W.locked_item }));
      else if (!k.videos.length) head.append(el("button", { className: "ghost small", textContent: W.delete,
        onclick: () => remove("/api/admin/categories/" + k.id, k.label) }));
      const items = k.videos.map((id) => videos.get(id)).filter(Boolean).map((v) => {
        const action = v.locked
          ? el("span", { className: "lock", textContent: "🔒 " + W.locked_short, title: W.locked_item })
          : el("button", { className: "danger small", textContent: W.delete,
              onclick: () => remove("/api/admin/videos/" + v.id, v.title) });
        return el("li", {}, el("span", { className: "name", textContent: v.title }), action);
      });
      return el("div", { className: "category" }, head, el("ul", { className: "items" }, ...items));
    }));
  }

  async function remove(path, title) {
    if (!confirm(W.delete_confirm.replace("{title}", title))) return;
    try { await api("DELETE", path); toast(W.saved, "ok"); } catch (e) { toast(e.message, "bad"); }
    refreshContent();
  }

  $("upload").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target, file = form.file.files[0], out = $("upload-result"), bar = $("upload-progress");
    if (!file) return;
    if (file.size > boot.upload_max_bytes) { out.textContent = W.too_large.replace("{max}", mib(boot.upload_max_bytes)); return; }
    const q = new URLSearchParams({ category: form.category.value, title: form.title.value, filename: file.name });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/admin/upload?" + q);
    xhr.setRequestHeader("X-CSRF-Token", boot.csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    bar.hidden = false; bar.value = 0; out.textContent = "";
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = { message: xhr.statusText }; }
      if (xhr.status === 202) { form.reset(); follow(data.job, out, bar); return; }
      out.textContent = xhr.status === 201 ? "✓ " + data.video.title : data.message || String(xhr.status);
      out.className = xhr.status === 201 ? "note" : "error";
      if (xhr.status === 201) { form.reset(); refreshContent(); }
    };
    xhr.onerror = () => { out.textContent = W.hub_unreachable || "network error"; out.className = "error"; };
    xhr.send(file);
  });

  // A clip not in the player's profile is converted on the Pi: follow the job to its end.
  async function follow(job, out, bar) {
    out.className = "note";
    while (job.state === "queued" || job.state === "running") {
      out.textContent = W.converting + " " + Math.round(job.progress * 100) + " %";
      bar.value = 100 * job.progress;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const all = await api("GET", "/api/admin/jobs");
      job = all.find((j) => j.id === job.id) || { state: "failed", message: "?" };
    }
    out.textContent = job.state === "done" ? "✓ " + job.title : job.message;
    out.className = job.state === "done" ? "note" : "error";
    bar.value = 100;
    refreshContent();
  }

  $("category-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = event.target;
    try {
      await api("POST", "/api/admin/categories", { label: f.label.value, icon: f.icon.value, color: f.color.value });
      f.reset(); toast(W.saved, "ok"); refreshContent();
    } catch (e) { toast(e.message, "bad"); }
  });

  // -- access and hotspot ----------------------------------------------------------------
  document.querySelectorAll(".secret-form").forEach((f) => f.addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await api("POST", "/api/admin/secret", { role: f.dataset.role, secret: f.secret.value }); f.reset(); toast(W.saved, "ok"); }
    catch (e) { toast(e.message, "bad"); }
  }));
  $("hotspot-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = event.target;
    try { await api("POST", "/api/admin/hotspot", { ssid: f.ssid.value, passphrase: f.passphrase.value }); toast(W.saved, "ok"); }
    catch (e) { toast(e.message, "bad"); }
  });

  // -- backups of the configuration ------------------------------------------------------
  async function refreshBackups() {
    const { backups } = await api("GET", "/api/admin/backups");
    if (!backups.length) { $("backups").replaceChildren(el("li", { className: "note", textContent: W.backups_none })); return; }
    $("backups").replaceChildren(...backups.map((b) => {
      const when = new Date(b.created_at).toLocaleString(boot.lang);
      const label = `${when} · v${b.version} · ${b.kind === "daily" ? W.backup_daily : W.backup_manual}`;
      const download = el("a", { href: "/api/admin/backups/" + encodeURIComponent(b.name), textContent: W.download, download: b.name });
      const restore = el("button", { type: "button", className: "secondary", textContent: W.restore, onclick: async () => {
        if (!confirm(W.restore_confirm.replace("{when}", when))) return;
        try { await api("POST", "/api/admin/backups/" + encodeURIComponent(b.name) + "/restore"); toast(W.restored, "ok"); }
        catch (e) { toast(e.message, "bad"); }
        refreshContent();
      } });
      return el("li", { className: "backup" }, el("span", { className: "name", textContent: label }), download, restore);
    }));
  }
  $("backup-now").addEventListener("click", async () => {
    try { await api("POST", "/api/admin/backups"); toast(W.saved, "ok"); } catch (e) { toast(e.message, "bad"); }
    refreshBackups();
  });

  // -- logs ------------------------------------------------------------------------------
  $("log-service").replaceChildren(...boot.services.map((s) => el("option", { value: s, textContent: s })));
  async function refreshLogs() {
    const out = await api("GET", "/api/admin/logs/" + $("log-service").value + "?lines=200");
    $("log-source").textContent = out.source;
    const pre = $("log-lines"), atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = out.lines.join("\n");
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }
  $("log-service").addEventListener("change", refreshLogs);

  const quietly = (f) => () => f().catch(() => {});
  refreshStatus(); refreshContent(); refreshLogs(); refreshBackups().catch(() => {});
  setInterval(quietly(refreshStatus), 5000);
  setInterval(quietly(refreshLogs), 5000);
})();
