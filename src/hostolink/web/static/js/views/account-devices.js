// Appareils et sessions: my open sessions (device, place, last activity), « Cet appareil »
// marked; sign out one other session, or all the others at once.
import { api, formatDate, h, route, session, setTitle, toast } from "../core.js";

const PATH = "/api/mon-compte/sessions";

function details(s) {
  const where = [s.lieu, s.adresse_masquee].filter(Boolean).join(" · ");
  return [
    h("div", { class: "sub" }, where),
    h("div", { class: "sub" }, "Dernière activité : ", h("time", { datetime: s.derniere_activite }, formatDate(s.derniere_activite))),
    h("div", { class: "sub" }, "Connecté depuis le ", h("time", { datetime: s.date_connexion }, formatDate(s.date_connexion))),
  ];
}

async function renderDevices(params, mount) {
  setTitle("Appareils et sessions");
  const list = h("ul", { class: "list card sessions", "aria-label": "Mes sessions ouvertes" });
  const others = h("button", { type: "button", class: "btn btn-danger btn-block sign-out-others" }, "Déconnecter les autres appareils");

  async function signOut(s, button) {
    button.disabled = true;
    try {
      await api("DELETE", `${PATH}/${encodeURIComponent(s.id)}`);
      if (s.courante) {
        session.logout({ remote: false });
        return;
      }
      toast(`${s.appareil} est déconnecté.`);
      await load();
    } catch (failure) {
      toast(failure.message, "error");
      button.disabled = false;
    }
  }

  function item(s) {
    const button = h(
      "button",
      { type: "button", class: "btn btn-secondary sign-out", "aria-label": `Déconnecter ${s.appareil}` },
      "Déconnecter",
    );
    button.addEventListener("click", () => signOut(s, button));
    return h(
      "li",
      { class: `list-item session${s.courante ? " current" : ""}` },
      h(
        "div",
        { class: "grow" },
        h(
          "div",
          { class: "row" },
          h("div", { class: "grow title" }, s.appareil),
          s.courante ? h("span", { class: "badge ok" }, "Cet appareil") : "",
        ),
        ...details(s),
        s.courante ? "" : button,
      ),
    );
  }

  async function load() {
    const answer = await api("GET", PATH);
    // This device first, then the others as the API lists them (most recent first).
    const found = [...answer.data.sessions].sort((a, b) => Number(b.courante) - Number(a.courante));
    list.replaceChildren(...found.map(item));
    others.hidden = !found.some((s) => !s.courante);
  }

  others.addEventListener("click", async () => {
    others.disabled = true;
    try {
      const answer = await api("POST", `${PATH}/deconnexion-autres`);
      toast(answer.message);
      await load();
    } catch (failure) {
      toast(failure.message, "error");
    } finally {
      others.disabled = false;
    }
  });

  mount.replaceChildren(
    h(
      "div",
      { class: "stack devices" },
      h(
        "p",
        { class: "small muted" },
        "Les appareils connectés à votre compte. Un appareil que vous ne reconnaissez pas ? Déconnectez-le, puis changez votre mot de passe.",
      ),
      list,
      others,
      h("p", { class: "small muted" }, "La dernière activité est précise à un quart d'heure près."),
    ),
  );
  try {
    await load();
  } catch (failure) {
    list.replaceWith(h("p", { class: "form-error", role: "alert" }, failure.message));
  }
}

route("/profil/appareils", renderDevices, { title: "Appareils et sessions", tab: "profil", back: "#/profil" });
