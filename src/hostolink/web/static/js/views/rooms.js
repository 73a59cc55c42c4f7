// Thematic rooms: the list, joining, the history (older pages with `avant`), live messages
// over /ws/thematiques/{id} (token as the subprotocols ['bearer', token]), sending over the
// socket with a fallback to REST, reconnection with catch-up (`apres`) — also when the
// server says live delivery was cut and is back (`resynchronisation`) — and the read marker.
import { api, formatDate, h, onLeave, route, session, setTitle, toast } from "../core.js";
import { avatar, mediaUrl, reportDialog, socialNav, uploadImage } from "./social.js";

const RETRY_MAX_MS = 15000;

function errorText(error) {
  return error && error.status ? error.message : "Connexion impossible : réessayez.";
}

async function renderRooms(params, mount) {
  setTitle("Salons thématiques");
  const list = h("ul", { class: "list rooms" });
  mount.replaceChildren(
    socialNav("rooms"),
    h("p", { class: "muted small" }, "Posez vos questions, des experts de santé vous répondent."),
    list,
  );
  let rooms;
  try {
    rooms = (await api("GET", "/api/thematiques")).data;
  } catch (failure) {
    list.replaceWith(h("p", { class: "form-error", role: "alert" }, errorText(failure)));
    return;
  }
  if (!rooms.length) {
    list.replaceWith(h("p", { class: "empty" }, "Aucun salon ouvert pour le moment."));
    return;
  }
  list.replaceChildren(
    ...rooms.map((room) =>
      h(
        "li",
        {},
        h(
          "a",
          { class: "list-item room", href: `#/thematiques/${room.id_thematique}` },
          room.image_url
            ? h("img", { class: "avatar", src: mediaUrl(room.image_url), alt: "", width: "40", height: "40" })
            : avatar(room.titre, null),
          h(
            "div",
            { class: "grow" },
            h("div", { class: "title" }, room.titre),
            room.sous_titre ? h("div", { class: "sub" }, room.sous_titre) : "",
          ),
          room.non_lus
            ? h("span", { class: "badge", "aria-label": `${room.non_lus} message(s) non lu(s)` }, String(room.non_lus))
            : "",
          room.membre ? "" : h("span", { class: "badge warn" }, "Rejoindre"),
        ),
      ),
    ),
  );
}

function messageItem(m, mine) {
  return h(
    "li",
    { class: `msg${mine ? " mine" : ""}${m.reponse_expert ? " expert" : ""}`, "data-id": String(m.id_message) },
    mine ? "" : h("div", { class: "msg-author small" }, m.auteur.nom_affiche, m.reponse_expert ? " · Réponse d'expert" : ""),
    m.contenu ? h("p", { class: "msg-text" }, m.contenu) : "",
    m.image_url ? h("img", { src: mediaUrl(m.image_url), alt: `Image envoyée par ${m.auteur.nom_affiche}`, loading: "lazy" }) : "",
    h("time", { class: "msg-time small", datetime: m.date_envoi }, formatDate(m.date_envoi)),
    mine
      ? ""
      : h(
          "button",
          {
            type: "button",
            class: "btn-link msg-report small",
            "aria-label": `Signaler le message de ${m.auteur.nom_affiche}`,
            onClick: () =>
              reportDialog({
                title: "Signaler le message",
                path: `/api/thematiques/${m.id_thematique}/messages/${m.id_message}/signalement`,
              }),
          },
          "Signaler",
        ),
  );
}

async function renderRoom(params, mount) {
  const roomId = Number(params.id);
  mount.replaceChildren(h("p", { class: "loading" }, "Chargement…"));
  let room;
  try {
    room = (await api("GET", `/api/thematiques/${roomId}`)).data;
  } catch (failure) {
    mount.replaceChildren(h("p", { class: "empty", role: "alert" }, errorText(failure)));
    return;
  }
  setTitle(room.titre);
  const me = (await session.me()).id_user;

  if (!room.membre) {
    const join = h("button", { type: "button", class: "btn btn-primary btn-block" }, "Rejoindre ce salon");
    join.addEventListener("click", async () => {
      join.disabled = true;
      try {
        await api("POST", `/api/thematiques/${roomId}/membres`);
        await renderRoom(params, mount);
      } catch (failure) {
        toast(errorText(failure), "error");
        join.disabled = false;
      }
    });
    mount.replaceChildren(
      h(
        "section",
        { class: "card stack" },
        h("h2", {}, room.titre),
        room.sous_titre ? h("p", { class: "muted" }, room.sous_titre) : "",
        room.description ? h("p", {}, room.description) : "",
        join,
      ),
    );
    return;
  }

  const log = h("ol", { class: "chat", role: "log", "aria-live": "polite", "aria-label": "Messages du salon" });
  const older = h("button", { type: "button", class: "btn-link", hidden: true }, "Messages plus anciens");
  const state = h("p", { class: "small muted live-state", role: "status" }, "Connexion…");
  const inputId = `salon-${roomId}-message`;
  const input = h("input", { id: inputId, name: "contenu", maxlength: "4000", autocomplete: "off", required: true });
  input.placeholder = "Écrire un message…";
  const send = h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer");
  const seen = new Set();
  let newest = null;
  let oldestCursor = null;
  let socket = null;
  let retry = 1000;
  let timer = null;
  let closed = false;
  let readTimer = null;
  let refs = 0;

  function scrollDown() {
    log.lastElementChild?.scrollIntoView({ block: "end" });
  }

  function add(m, { prepend = false } = {}) {
    if (seen.has(m.id_message)) return;
    seen.add(m.id_message);
    const item = messageItem(m, m.auteur.id_user === me);
    if (prepend) log.prepend(item);
    else log.append(item);
    if (!prepend && (newest === null || m.id_message > newest)) newest = m.id_message;
  }

  let marked = room.id_dernier_message_lu;
  function sendRead() {
    clearTimeout(readTimer);
    readTimer = null;
    if (newest === null || (marked !== null && newest <= marked)) return;
    marked = newest;
    api("POST", `/api/thematiques/${roomId}/lu`, { body: { id_message: newest } }).catch(() => {
      marked = null;
    });
  }

  // Debounced: a burst of messages moves the marker once.
  function markRead() {
    if (document.visibilityState !== "visible" || closed) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 400);
  }

  async function loadOlder() {
    const answer = await api("GET", `/api/thematiques/${roomId}/messages`, {
      query: oldestCursor ? { avant: oldestCursor, limite: 30 } : { limite: 30 },
    });
    // Newest first: prepend each so the oldest ends on top.
    for (const m of answer.data.messages) {
      const first = newest === null;
      add(m, { prepend: !first });
      if (first) newest = m.id_message;
    }
    oldestCursor = answer.data.curseur_suivant;
    older.hidden = !oldestCursor;
  }
  older.addEventListener("click", () => loadOlder().catch((e) => toast(errorText(e), "error")));

  // A message hidden by a moderator while the page was cut off missed its `retrait`
  // frame: among the latest messages, those shown but no longer served leave the screen.
  // Only messages shown before asking are judged (one arriving live meanwhile is newer
  // than the answer); older than the answer's oldest, a message is left alone.
  async function dropHidden() {
    const shown = [...log.querySelectorAll(".msg[data-id]")]; // a message being sent has no id yet
    const answer = await api("GET", `/api/thematiques/${roomId}/messages`, { query: { limite: 50 } });
    const served = new Set(answer.data.messages.map((m) => m.id_message));
    const complete = !answer.data.curseur_suivant;
    const low = served.size ? Math.min(...served) : Infinity;
    for (const item of shown) {
      const id = Number(item.dataset.id);
      if ((complete || id >= low) && !served.has(id)) item.remove();
    }
  }

  // After (re)connecting: what was written meanwhile, oldest first. Then the messages I
  // typed whose acknowledgement the cut lost: stored if the catch-up shows them, else
  // sent again. On `resynchronisation` the socket itself never closed: their
  // acknowledgements are still coming on it, so nothing is sent again (`resend` false).
  async function catchUp({ resend = true } = {}) {
    const caught = [];
    if (newest === null) {
      const answer = await api("GET", `/api/thematiques/${roomId}/messages`, { query: { limite: 30 } });
      caught.push(...answer.data.messages.reverse());
    } else {
      await dropHidden();
      let after = newest;
      for (;;) {
        const answer = await api("GET", `/api/thematiques/${roomId}/messages`, {
          query: { apres: after, limite: 50 },
        });
        caught.push(...answer.data.messages);
        if (!answer.data.curseur_suivant) break;
        after = answer.data.curseur_suivant;
      }
    }
    caught.forEach((m) => add(m));
    for (const pending of resend ? log.querySelectorAll(".msg.pending.sending") : []) {
      const text = pending.querySelector(".msg-text").textContent;
      if (caught.some((m) => m.auteur.id_user === me && m.contenu === text)) pending.remove();
      else if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "message", contenu: text, ref: pending.dataset.ref }));
      }
    }
    scrollDown();
    markRead();
  }

  function connect() {
    if (closed) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws/thematiques/${roomId}`, ["bearer", session.token]);
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "bienvenue") {
        retry = 1000;
        state.textContent = "En direct";
        log.dataset.live = "true";
        catchUp().catch(() => {});
      } else if (frame.type === "message") {
        const pending = log.querySelector(`[data-id="${frame.data.id_message}"]`);
        if (pending && pending.classList.contains("pending")) {
          pending.replaceWith(messageItem(frame.data, true));
          seen.add(frame.data.id_message);
        } else {
          add(frame.data);
        }
        if (frame.data.id_message > newest) newest = frame.data.id_message;
        scrollDown();
        markRead();
      } else if (frame.type === "resynchronisation") {
        // Live delivery was cut (the server lost Redis) and is back: what was posted or
        // hidden meanwhile never came over this socket.
        catchUp({ resend: false }).catch(() => {});
      } else if (frame.type === "retrait") {
        // A moderator hid this message: it leaves the screen as it left the history.
        log.querySelector(`.msg[data-id="${frame.id_message}"]`)?.remove();
      } else if (frame.type === "accuse") {
        const pending = log.querySelector(`[data-ref="${frame.ref}"]`);
        if (pending && !seen.has(frame.id_message)) {
          pending.dataset.id = String(frame.id_message);
          pending.classList.remove("sending");
        } else if (pending) {
          pending.remove();
        }
      } else if (frame.type === "erreur") {
        const pending = frame.ref ? log.querySelector(`[data-ref="${frame.ref}"]`) : null;
        if (pending) pending.remove();
        toast(frame.message, "error");
      } else if (frame.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    });
    socket.addEventListener("close", async (event) => {
      delete log.dataset.live;
      if (closed) return;
      if (event.code === 4403 || event.code === 4404) {
        state.textContent = event.reason || "Accès au salon refusé.";
        return;
      }
      state.textContent = "Hors ligne : reconnexion…";
      if (event.code === 4401) {
        // The access token expired: any authenticated call refreshes it (core's api()).
        await api("GET", `/api/thematiques/${roomId}`).catch(() => {});
      }
      timer = setTimeout(connect, retry);
      retry = Math.min(retry * 2, RETRY_MAX_MS);
    });
  }

  async function post(text) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      const ref = `r${Date.now()}-${++refs}`;
      const pending = messageItem(
        { id_message: 0, contenu: text, auteur: { id_user: me, nom_affiche: "" }, date_envoi: new Date().toISOString(), reponse_expert: false },
        true,
      );
      pending.classList.add("pending", "sending");
      pending.dataset.ref = ref;
      delete pending.dataset.id;
      log.append(pending);
      scrollDown();
      socket.send(JSON.stringify({ type: "message", contenu: text, ref }));
      return;
    }
    const answer = await api("POST", `/api/thematiques/${roomId}/messages`, { body: { contenu: text } });
    add(answer.data);
    scrollDown();
    markRead();
  }

  // Images go over REST (uploaded first); the socket then brings them to everyone.
  const picker = h("input", {
    type: "file",
    accept: "image/jpeg,image/png,image/webp",
    hidden: true,
    "aria-label": "Choisir une image à joindre",
  });
  const attach = h("button", { type: "button", class: "btn btn-secondary attach", onClick: () => picker.click() }, "Image");
  attach.setAttribute("aria-label", "Image : joindre une photo au message");
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    if (!file) return;
    attach.disabled = true;
    try {
      const media = (await uploadImage(file, "message")).data;
      const body = { id_media: media.id_media };
      if (input.value.trim()) body.contenu = input.value.trim();
      const answer = await api("POST", `/api/thematiques/${roomId}/messages`, { body });
      input.value = "";
      add(answer.data);
      scrollDown();
      markRead();
    } catch (failure) {
      toast(errorText(failure), "error");
    } finally {
      picker.value = "";
      attach.disabled = false;
    }
  });

  const form = h(
    "form",
    {
      class: "row chat-form",
      onSubmit: async (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        send.disabled = true;
        try {
          await post(text);
          input.value = "";
        } catch (failure) {
          toast(errorText(failure), "error");
        } finally {
          send.disabled = false;
          input.focus();
        }
      },
    },
    h("label", { for: inputId, class: "visually-hidden" }, "Votre message"),
    attach,
    picker,
    h("div", { class: "grow" }, input),
    send,
  );

  mount.replaceChildren(
    h(
      "div",
      { class: "room-view stack" },
      room.description ? h("details", { class: "card" }, h("summary", {}, "À propos de ce salon"), h("p", {}, room.description)) : "",
      older,
      log,
      state,
      form,
    ),
  );

  onLeave(() => {
    closed = true;
    clearTimeout(timer);
    if (readTimer) sendRead(); // what was on screen counts as read
    if (socket) socket.close(1000);
  });

  try {
    await loadOlder();
  } catch (failure) {
    state.textContent = errorText(failure);
  }
  if (!log.children.length) log.append(h("li", { class: "empty chat-empty" }, "Aucun message : lancez la discussion !"));
  const observer = new MutationObserver(() => {
    const empty = log.querySelector(".chat-empty");
    if (empty && log.children.length > 1) empty.remove();
  });
  observer.observe(log, { childList: true });
  scrollDown();
  markRead();
  connect();
}

route("/thematiques", renderRooms, { title: "Salons thématiques", tab: "social" });
route("/thematiques/:id", renderRoom, { title: "Salon", tab: "social", back: "#/thematiques" });
