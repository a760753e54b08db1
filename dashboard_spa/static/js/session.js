// Who is signed in (GET /auth/me) and the clubs they can see, loaded once per sign-in.
import { api } from "./api.js";

export const session = { me: null, clubs: [] };

export async function loadSession() {
  session.me = await api("GET", "/auth/me");
  session.clubs = await api("GET", "/clubs").catch(() => []);
  return session;
}

export function clearSession() {
  session.me = null;
  session.clubs = [];
}

export function isPlatform() {
  return session.me?.role === "platform_admin";
}

export function canWrite() {
  return ["platform_admin", "club_admin"].includes(session.me?.role);
}

export function clubName(id) {
  if (!id) return "Platform";
  return session.clubs.find((c) => c.id === id)?.name || id;
}
