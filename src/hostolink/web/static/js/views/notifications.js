// Notifications: my inbox (cursor pages), mark one read when opened, mark all read.
import { api, formatDate, h, navigate, refreshBell, route, setTitle, toast } from "../core.js";

function target(n) {
  const data = n.donnees || {};
  // A support answer or a claim's decision opens its conversation.
  if (data.id_conversation) return `#/aide/conversations/${data.id_conversation}`;
  if (n.type_notification === "assistance" || n.type_notification === "reclamation") return "#/aide";
  const post = n.id_publication || data.id_publication;
  if (post) return `#/social/${post}`;
  if (data.id_thematique) return `#/thematiques/${data.id_thematique}`;
  if (data.reference) return `#/transactions/${encodeURIComponent(data.reference)}`;
  if (data.id_verification) return "#/profil";
  return null;
}

async function renderNotifications(params, mount) {
  setTitle("Notifications");
  const list = h("ul", { class: "list notifications" });
  const more = h("button", { type: "button", class: "btn btn-block", hidden: true }, "Plus anciennes");
  const all = h("button", { type: "button", class: "btn-link" }, "Tout marquer comme lu");
  let cursor = null;

  function item(n) {
    const li = h("li");
    const button = h(
      "button",
      { type: "button", class: `list-item notification${n.est_lu ? "" : " unread"}` },
      h("span", { class: "dot", "aria-hidden": "true" }),
      h(
        "div",
        { class: "grow" },
        h("div", { class: "title" }, n.titre, n.est_lu ? "" : h("span", { class: "visually-hidden" }, " (non lue)")),
        h("div", { class: "sub wrap-text" }, n.contenu),
        h("time", { class: "sub", datetime: n.date_creation }, formatDate(n.date_creation)),
      ),
    );
    button.addEventListener("click", async () => {
      if (!n.est_lu) {
        try {
          await api("POST", `/api/notifications/${n.id_notification}/lue`);
          n.est_lu = true;
          button.classList.remove("unread");
          button.querySelector(".visually-hidden")?.remove();
          refreshBell();
        } catch (failure) {
          toast(failure.message || "Connexion impossible.", "error");
          return;
        }
      }
      const hash = target(n);
      if (hash) navigate(hash);
    });
    li.append(button);
    return li;
  }

  async function load() {
    const answer = await api("GET", "/api/notifications", { query: cursor ? { curseur: cursor } : {} });
    const found = answer.data.notifications;
    if (!cursor && !found.length) list.replaceWith(h("p", { class: "empty" }, "Aucune notification."));
    list.append(...found.map(item));
    cursor = answer.data.curseur_suivant;
    more.hidden = !cursor;
  }
  more.addEventListener("click", () => load().catch((e) => toast(e.message, "error")));
  all.addEventListener("click", async () => {
    try {
      const answer = await api("POST", "/api/notifications/lues");
      list.querySelectorAll(".unread").forEach((b) => {
        b.classList.remove("unread");
        b.querySelector(".visually-hidden")?.remove();
      });
      toast(answer.data.marquees ? `${answer.data.marquees} notification(s) marquée(s) comme lue(s).` : "Tout est déjà lu.");
      refreshBell();
    } catch (failure) {
      toast(failure.message || "Connexion impossible.", "error");
    }
  });
  mount.replaceChildren(h("div", { class: "notif-head" }, all), list, more);
  try {
    await load();
  } catch (failure) {
    list.replaceWith(h("p", { class: "form-error", role: "alert" }, failure.message || "Connexion impossible."));
  }
}

route("/notifications", renderNotifications, { title: "Notifications", back: "#/" });
