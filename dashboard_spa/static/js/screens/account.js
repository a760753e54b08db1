// Who you are (role, club) and changing your own password.
import { api } from "../api.js";
import { clubName, session } from "../session.js";
import { busy, clearErrors, formData, h, mount, roleLabel, showError, toast, when } from "../ui.js";

export async function renderAccount(root) {
  const me = session.me;
  const form = h(
    "form.stack.card",
    { id: "password-form", novalidate: true },
    h("h2", { style: "margin-top:0" }, "Change your password"),
    h("label", {}, "Current password", h("input", { name: "current_password", type: "password", autocomplete: "current-password" })),
    h("label", {}, "New password (10 characters or more)", h("input", { name: "new_password", type: "password", autocomplete: "new-password", minlength: 10 })),
    h("div.actions", {}, h("button.primary", { type: "submit" }, "Change password")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearErrors(form);
    const d = formData(form);
    if ((d.new_password || "").length < 10) return showError(form, { field: "new_password", detail: "The new password needs at least 10 characters." });
    busy(form, async () => {
      try {
        await api("POST", "/auth/password", { json: d });
        form.reset();
        toast("Password changed. Your other sessions are signed out.");
      } catch (err) {
        showError(form, err);
      }
    });
  });
  mount(
    root,
    h("h1", {}, "Your account"),
    h(
      "div.card",
      { id: "me" },
      h("dl.kv", {}, h("dt", {}, "Name"), h("dd", {}, me.name || "—"), h("dt", {}, "E-mail"), h("dd", {}, me.email), h("dt", {}, "Role"), h("dd", { id: "me-role" }, roleLabel(me.role)), h("dt", {}, "Club"), h("dd", { id: "me-club" }, me.club_id ? clubName(me.club_id) : "all clubs (platform)"), h("dt", {}, "Since"), h("dd", {}, when(me.created_at))),
    ),
    form,
  );
}
