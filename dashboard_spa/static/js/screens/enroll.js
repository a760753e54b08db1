// The one-time enrollment code, shown big, with its expiry and how to use it on the Pi.
import { h, when } from "../ui.js";

export function enrollmentPanel(site, enrollment) {
  const cloud = location.origin;
  const minutes = Math.max(0, Math.round((new Date(enrollment.expires_at) - Date.now()) / 60000));
  return h(
    "section.card.enroll",
    { "aria-labelledby": "enroll-title", id: "enrollment" },
    h("h2", { id: "enroll-title" }, `Enrollment code for ${site.name}`),
    h("div.enroll-code", { "data-testid": "enrollment-code" }, enrollment.code),
    h(
      "p",
      {},
      `Valid once, until ${when(enrollment.expires_at)} (about ${minutes} min). `,
      "If it expires, make a new code from the site's page.",
    ),
    h("h3", {}, "On the Pi, run"),
    h("pre.cmd", {}, `neopro agent enroll --cloud ${cloud} --code ${enrollment.code}`),
    h("h3", {}, "Or, before the first boot"),
    h(
      "p",
      {},
      "Put a file named ",
      h("code", {}, "neopro.txt"),
      " on the SD card's boot partition (/boot/firmware) containing:",
    ),
    h("pre.cmd", {}, `CLOUD_URL=${cloud}\nENROLL_CODE=${enrollment.code}`),
  );
}
