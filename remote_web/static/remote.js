// The phone remote: one websocket to the hub, the whole state redrawn on every "state".
// A tap shows "pressed" at once, "…" when the hub accepted it, "✓" when the TV plays it.
(function () {
  "use strict";
  const boot = JSON.parse(document.getElementById("data").textContent);
  const W = boot.words;
  const $ = (id) => document.getElementById(id);
  let ws = null, seq = 0, siteSeen, retryMs = 500, state = null, site = null, audience = 0, shownAt = 0;
  const pending = new Map(); // our message id -> the button that sent it

  $("logout-csrf").value = boot.csrf;
  $("admin-link").hidden = boot.role !== "admin";

  // -- the link to the hub -------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws");
    ws.onopen = () => { retryMs = 500; drawLink(); };
    ws.onmessage = (event) => receive(JSON.parse(event.data));
    ws.onclose = (event) => {
      ws = null;
      drawLink();
      if (event.code === 4401) { location.href = "/login?next=/"; return; }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 4000);
    };
  }

  function send(message, button) {
    const id = "c" + (++seq);
    message.id = id;
    if (!ws || ws.readyState !== WebSocket.OPEN) { toast(W.hub_unreachable, "bad"); return; }
    if (button) {
      button.classList.remove("sent", "confirmed");
      button.classList.add("pressed");
      pending.set(id, button);
    }
    ws.send(JSON.stringify(message));
  }

  function receive(m) {
    const button = m.of ? pending.get(m.of) : null;
    if (m.type === "state") { state = m; draw(); return; }
    if (m.type === "ack" && button) { button.classList.add("sent"); settle(button); }
    if (m.type === "started") {
      if (button) {
        pending.delete(m.of);
        button.classList.remove("sent");
        button.classList.add("confirmed");
        setTimeout(() => button.classList.remove("confirmed"), 2500);
        toast("✓ " + W.playing + " : " + titleOf(m.video_id), "ok");
      }
    }
    if (m.type === "error") {
      if (button) { pending.delete(m.of); button.classList.remove("sent"); settle(button); }
      toast(m.code === "player_offline" ? W.tv_unreachable : m.message, "bad");
    }
  }

  function settle(button) { setTimeout(() => button.classList.remove("pressed"), 150); }

  // -- drawing ---------------------------------------------------------------------------
  function drawLink() {
    const up = ws && ws.readyState === WebSocket.OPEN;
    const tv = up && state && state.player_connected;
    $("link").classList.toggle("up", !!tv);
    $("banner").hidden = !!tv;
    $("banner").textContent = up ? W.tv_unreachable : W.hub_unreachable;
  }

  function draw() {
    drawLink();
    const p = state.player, match = state.match;
    const air = p.on_air;
    $("onair-title").textContent = p.blackout ? W.blackout : air ? air.title : (p.idle ? W.nothing : W.loop);
    $("onair-cat").hidden = !(air && air.category_id);
    $("onair-cat").textContent = air && air.category_id ? labelOf(air.category_id) : "";
    $("next-title").textContent = p.next_up ? p.next_up.title : "—";
    shownAt = performance.now();
    drawProgress();
    $("home-name").textContent = match.home_name;
    $("away-name").textContent = match.away_name;
    $("home-score").textContent = match.home_score;
    $("away-score").textContent = match.away_score;
    document.querySelectorAll("#phases button").forEach((b) => {
      b.classList.toggle("on", b.dataset.phase === match.phase);
      b.setAttribute("aria-pressed", String(b.dataset.phase === match.phase));
    });
    if (document.activeElement !== $("volume")) $("volume").value = p.volume;
    $("mute").textContent = p.muted ? W.unmute : W.mute;
    $("mute").classList.toggle("on", p.muted);
    $("mute").setAttribute("aria-pressed", String(p.muted));
    $("blackout").setAttribute("aria-pressed", String(p.blackout));
    $("blackout").textContent = p.blackout ? W.blackout_off : W.blackout;
    $("blackout").classList.toggle("on", p.blackout);
    $("match-start").disabled = !!match.session;
    $("match-end").disabled = !match.session;
    if (match.session) { audience = match.session.audience_estimate; $("audience").textContent = audience; }
    const f = $("match-form");  // the form shows what is kept, unless someone is typing in it
    if (!f.contains(document.activeElement)) {
      f.home.value = match.home_name;
      f.away.value = match.away_name;
      if (match.session) { f.opponent.value = match.session.opponent; f.competition.value = match.session.competition; }
    }
    drawCategories();
    const siteTag = p.config_version + "/" + state.site_etag;
    if (siteSeen !== undefined && siteTag !== siteSeen) loadSite();
    siteSeen = siteTag;
  }

  function drawProgress() {
    const air = state && state.player.on_air;
    let pct = 0;
    if (air && air.duration_s > 0) {
      const paused = state.player.paused;
      const pos = air.position_s + (paused ? 0 : (performance.now() - shownAt) / 1000);
      pct = Math.min(100, (100 * pos) / air.duration_s);
    }
    $("onair-bar").style.width = pct + "%";
  }
  setInterval(drawProgress, 250);

  let drawnFor = "";
  function drawCategories() {
    if (!site) return;
    const phase = state ? state.match.phase : "neutral";
    const key = phase + "|" + site.etag;
    if (key === drawnFor) return;
    drawnFor = key;
    const grid = $("categories");
    grid.replaceChildren();
    for (const c of site.categories) {
      if (!c.videos.length || (c.phases.length && !c.phases.includes(phase))) continue;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "cat";
      b.dataset.category = c.id;
      b.style.background = c.color;
      const icon = document.createElement("span");
      icon.className = "icon";
      icon.textContent = c.icon;
      const label = document.createElement("span");
      label.textContent = c.label;
      const mark = document.createElement("span");
      mark.className = "state";
      b.append(icon, label, mark);
      b.addEventListener("click", () => send({ type: "play", category_id: c.id }, b));
      grid.append(b);
    }
  }

  function labelOf(categoryId) {
    const c = site && site.categories.find((x) => x.id === categoryId);
    return c ? c.label : categoryId;
  }
  function titleOf(videoId) {
    const v = site && site.videos.find((x) => x.id === videoId);
    return v ? v.title : videoId;
  }

  let toastTimer = 0;
  function toast(text, kind) {
    const t = $("toast");
    t.textContent = text;
    t.className = "toast " + (kind || "");
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 2500);
  }

  // -- controls --------------------------------------------------------------------------
  $("back-to-loop").addEventListener("click", (e) => send({ type: "back_to_loop" }, e.currentTarget));
  document.querySelectorAll(".team button").forEach((b) => b.addEventListener("click", () => {
    const team = b.closest(".team").dataset.team;
    send({ type: "score_change", team: team, delta: Number(b.dataset.delta) }, b);
  }));
  $("score-reset").addEventListener("click", (e) => {
    if (confirm(W.reset_confirm)) send({ type: "score_reset" }, e.currentTarget);
  });
  document.querySelectorAll("#phases button").forEach((b) =>
    b.addEventListener("click", () => send({ type: "set_phase", phase: b.dataset.phase }, b)));
  $("volume").addEventListener("change", (e) => send({ type: "set_volume", volume: Number(e.target.value) }));
  $("mute").addEventListener("click", (e) => send({ type: "set_mute", muted: !(state && state.player.muted) }, e.currentTarget));
  $("blackout").addEventListener("click", (e) => send({ type: "set_blackout", on: !(state && state.player.blackout) }, e.currentTarget));

  const form = $("match-form");
  $("teams-save").addEventListener("click", (e) => send({ type: "set_teams", home: form.home.value, away: form.away.value }, e.currentTarget));
  form.querySelectorAll("[data-audience]").forEach((b) => b.addEventListener("click", () => {
    audience = Math.max(0, audience + Number(b.dataset.audience));
    $("audience").textContent = audience;
    if (state && state.match.session) send({ type: "match_update", audience_estimate: audience }, b);
  }));
  $("match-start").addEventListener("click", (e) => send({ type: "match_start", opponent: form.opponent.value,
    competition: form.competition.value, audience_estimate: audience }, e.currentTarget));
  $("match-end").addEventListener("click", (e) => send({ type: "match_end" }, e.currentTarget));

  // Every clip, by category then subcategory; the search box filters the list.
  function drawClips() {
    const q = $("search").value.trim().toLowerCase();
    const list = $("results");
    list.replaceChildren();
    if (!site) return;
    const byId = new Map(site.videos.map((v) => [v.id, v]));
    for (const c of site.categories) {
      const rows = [];
      for (const g of c.groups) {
        const videos = g.videos.map((id) => byId.get(id)).filter((v) => v && v.title.toLowerCase().includes(q));
        if (!videos.length) continue;
        if (g.label) rows.push(heading(g.label, "sub"));
        for (const v of videos) rows.push(clipButton(v, c.id));
      }
      if (rows.length) list.append(heading(c.label, "cat-head"), ...rows);
    }
  }
  function heading(text, cls) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    return li;
  }
  function clipButton(v, categoryId) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "clip";
    b.dataset.video = v.id;
    b.textContent = "▶ " + v.title;
    b.addEventListener("click", () => send({ type: "play", video_id: v.id }, b));
    li.append(b);
    return li;
  }
  $("search").addEventListener("input", drawClips);

  const messageForm = $("message-form");
  messageForm.addEventListener("submit", (e) => {
    e.preventDefault();
    send({ type: "show_message", text: messageForm.text.value }, e.submitter);
  });
  $("message-clear").addEventListener("click", (e) => {
    messageForm.text.value = "";
    send({ type: "show_message", text: "" }, e.currentTarget);
  });

  // -- the site configuration (categories, clips); fetched again when it changes ---------
  async function loadSite() {
    const r = await fetch("/api/remote", { credentials: "same-origin" });
    if (r.status === 401) { location.href = "/login?next=/"; return; }
    site = await r.json();
    $("title").textContent = site.title;
    document.title = site.title;
    drawnFor = "";
    drawClips();
    if (state) draw(); else drawCategories();
  }
  loadSite().then(connect, connect);
})();
