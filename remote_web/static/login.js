// The login form: a PIN pad keyboard for the operator, a full keyboard for the admin.
(function () {
  const form = document.getElementById("login");
  const secret = document.getElementById("secret");
  const label = document.getElementById("secret-label");
  function update() {
    const role = form.querySelector("input[name=role]:checked").value;
    secret.inputMode = role === "operator" ? "numeric" : "text";
    label.textContent = role === "operator" ? label.dataset.pin : label.dataset.password;
  }
  form.addEventListener("change", update);
  update();
})();
