// Clubs (the platform team creates them) and the people of each club.
import { api } from "../api.js";
import { canWrite, isPlatform, loadSession, session } from "../session.js";
import { busy, clearErrors, emptyState, formData, h, mount, roleLabel, showError, toast, when } from "../ui.js";

function peopleTable(users) {
  return h(
    "div.table-wrap",
    {},
    h(
      "table",
      { id: "users-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Person"), h("th", {}, "Role"), h("th.hide-narrow", {}, "Club"), h("th.hide-narrow", {}, "Since"))),
      h(
        "tbody",
        {},
        users.map((u) =>
          h(
            "tr",
            {},
            h("td", {}, u.name || u.email, h("div.muted.small", {}, u.email), u.active ? null : h("span.pill.offline", {}, "disabled")),
            h("td", {}, roleLabel(u.role)),
            h("td.hide-narrow", {}, session.clubs.find((c) => c.id === u.club_id)?.name || (u.club_id ? u.club_id : "—")),
            h("td.hide-narrow", {}, when(u.created_at)),
          ),
        ),
      ),
    ),
  );
}

function clubForm(onCreated) {
  const form = h("form.inline.card", { id: "create-club", novalidate: true }, h("label", {}, "Club name", h("input", { name: "name", required: true, maxlength: 120 })), h("button.primary", { type: "submit" }, "Create club"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearErrors(form);
    const { name } = formData(form);
    if (!name) return showError(form, { field: "name", detail: "Give the club's name." });
    busy(form, async () => {
      try {
        const club = await api("POST", "/clubs", { json: { name } });
        toast(`${club.name} created. Now add its sites and people.`);
        form.reset();
        await loadSession();
        onCreated();
      } catch (err) {
        showError(form, err);
      }
    });
  });
  return form;
}

function personForm(onCreated) {
  const roles = isPlatform() ? ["club_admin", "club_operator", "sponsor_viewer", "platform_admin"] : ["club_operator", "club_admin", "sponsor_viewer"];
  const form = h(
    "form.stack.card",
    { id: "create-user", novalidate: true },
    h("label", {}, "E-mail", h("input", { name: "email", type: "email", required: true })),
    h("label", {}, "Name", h("input", { name: "name", maxlength: 120 })),
    h("label", {}, "Role", h("select", { name: "role" }, roles.map((r) => h("option", { value: r }, roleLabel(r))))),
    isPlatform() ? h("label", {}, "Club", h("select", { name: "club_id" }, h("option", { value: "" }, "— (platform admins only)"), session.clubs.map((c) => h("option", { value: c.id }, c.name)))) : null,
    h("label", {}, "First password (10 characters or more)", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 10 })),
    h("div.actions", {}, h("button.primary", { type: "submit" }, "Add person")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearErrors(form);
    const d = formData(form);
    if (!d.email) return showError(form, { field: "email", detail: "Give the person's e-mail." });
    if ((d.password || "").length < 10) return showError(form, { field: "password", detail: "The password needs at least 10 characters." });
    busy(form, async () => {
      try {
        const u = await api("POST", "/users", { json: { email: d.email, name: d.name, role: d.role, password: d.password, club_id: d.club_id || undefined } });
        toast(`${u.email} can now sign in.`);
        form.reset();
        onCreated();
      } catch (err) {
        showError(form, err);
      }
    });
  });
  return form;
}

export async function renderClubs(root) {
  const clubsSlot = h("div", { id: "clubs-list" });
  const usersSlot = h("div");
  const draw = async () => {
    const users = await api("GET", "/users").catch(() => []);
    mount(
      clubsSlot,
      session.clubs.length
        ? h("div.table-wrap", {}, h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Club"), h("th", {}, "Created"))), h("tbody", {}, session.clubs.map((c) => h("tr", {}, h("td", {}, c.name), h("td", {}, when(c.created_at)))))))
        : emptyState("No club yet", "Create the first club below; its sites, media and sponsors belong to it."),
    );
    mount(usersSlot, users.length ? peopleTable(users) : h("p.muted", {}, "No one yet."));
  };
  mount(
    root,
    h("div.page-head", {}, h("div", {}, h("h1", {}, isPlatform() ? "Clubs and people" : "People"), h("p.muted", {}, "Who can sign in, and what they may do."))),
    isPlatform() ? [h("h2", {}, "Clubs"), clubsSlot, clubForm(draw)] : null,
    h("h2", {}, "People"),
    usersSlot,
    canWrite() ? [h("h2", {}, "Add a person"), personForm(draw)] : null,
  );
  await draw();
}
