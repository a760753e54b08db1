// Sign in with e-mail and password; the API's own message is shown when it refuses.
import { login } from "../api.js";
import { busy, clearErrors, formData, h, mount, showError } from "../ui.js";

export function renderLogin(root, { message, onSignedIn }) {
  const form = h(
    "form.stack.card",
    { novalidate: true },
    h("h1", {}, "Sign in to Neopro"),
    message ? h("div.banner.info", { role: "status" }, message) : null,
    h("label", {}, "E-mail", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    h(
      "label",
      {},
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("button.primary", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const { email, password } = formData(form);
    clearErrors(form);
    if (!email) return showError(form, { field: "email", detail: "Enter your e-mail address." });
    if (!password) return showError(form, { field: "password", detail: "Enter your password." });
    busy(form, async () => {
      try {
        await login(email, password);
        await onSignedIn();
      } catch (err) {
        const detail =
          err.status === 401 && /wrong/i.test(err.detail)
            ? "Wrong e-mail or password. Check both and try again."
            : err.detail || String(err);
        showError(form, { field: null, detail });
        form.querySelector("[name=password]").select();
      }
    });
  });
  mount(root, h("div.login", {}, form, h("p.muted.small", {}, "Club admins and the platform team. Ask your platform admin for an account.")));
  form.querySelector("[name=email]").focus();
}
