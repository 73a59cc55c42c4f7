// The conversation page of the help desk: inserts a canned answer, and keeps the page live
// over the back-office WebSocket (the session cookie authenticates it): new messages of the
// person (and of other agents) appear, the typing indicator shows, status changes are
// written in place. After a cut it reconnects and catches up from the last message it drew.
(function () {
  "use strict";
  const script = document.currentScript;
  const list = document.getElementById("messages");
  const typing = document.getElementById("ecrit");
  const reply = document.getElementById("reponse-contenu");
  const canned = document.getElementById("reponse-type");
  const SIDES = { utilisateur: "la personne", agent: "agent", systeme: "système" };
  let last = Number(script.dataset.dernier || 0);
  let socket = null;
  let retry = 1000;
  let typingTimer = null;
  let lastTypingSent = 0;

  if (canned && reply) {
    canned.addEventListener("change", () => {
      const option = canned.selectedOptions[0];
      if (!option || !option.dataset.contenu) return;
      const before = reply.value.trim();
      reply.value = before ? `${before}\n\n${option.dataset.contenu}` : option.dataset.contenu;
      canned.value = "";
      reply.focus();
    });
  }

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const stamp = (iso) => {
    const d = new Date(iso);
    const two = (n) => String(n).padStart(2, "0");
    return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
  };

  function draw(m) {
    if (!list || m.id_message <= 0) return;
    const existing = document.getElementById(`message-${m.id_message}`);
    const item = el("li", `message-assistance auteur-${m.auteur}` + (m.interne ? " note-interne" : "") + (m.statut === "masque" ? " masque" : ""));
    item.id = `message-${m.id_message}`;
    item.dataset.id = m.id_message;
    const head = el("div", "entete-message");
    if (m.interne) head.append(el("span", "etiquette-note", "Note interne"), " ");
    head.append(el("strong", null, m.prenom_auteur || (m.auteur === "systeme" ? "Hostolink" : "—")));
    head.append(el("span", "text-secondary", ` · ${SIDES[m.auteur] || m.auteur} · ${stamp(m.date_envoi)}`));
    item.append(head);
    if (m.statut === "masque") {
      item.append(el("p", "mb-0 fst-italic text-secondary", "Message masqué par la modération."));
    } else {
      if (m.contenu) item.append(el("p", "mb-0 contenu-message", m.contenu));
      if (m.piece_jointe) {
        const link = el("a");
        link.href = m.piece_jointe.url;
        link.target = "_blank";
        link.rel = "noopener";
        const image = el("img", "piece-jointe");
        image.src = m.piece_jointe.url;
        image.alt = `Pièce jointe de ${m.prenom_auteur || "la personne"}`;
        link.append(image);
        item.append(link);
      }
    }
    if (existing) existing.replaceWith(item);
    else list.append(item);
    last = Math.max(last, m.id_message);
    if (m.auteur === "utilisateur" && typing) typing.textContent = "";
  }

  function conversation(c) {
    const status = document.getElementById("statut-conversation");
    if (status) status.textContent = c.libelle_statut;
    const agent = document.querySelector("#agent-conversation strong");
    if (agent) agent.textContent = c.agent ? c.agent.prenom || "un agent" : "personne";
  }

  function showTyping(frame) {
    if (!typing || frame.cote !== "utilisateur") return;
    typing.textContent = `${frame.prenom || "La personne"} écrit…`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing.textContent = ""; }, 4000);
  }

  function claimChanged(claim) {
    const box = document.getElementById(`reclamation-${claim.id_reclamation}`);
    if (!box) {
      // A claim the person just made: its decision form comes with the page.
      const panel = document.querySelector("#reclamations .card-body");
      if (!panel || document.getElementById(`nouvelle-reclamation-${claim.id_reclamation}`)) return;
      const notice = el("p", "alert alert-info", `Nouvelle réclamation n° ${claim.id_reclamation} (${claim.libelle_categorie}) : `);
      notice.id = `nouvelle-reclamation-${claim.id_reclamation}`;
      notice.setAttribute("role", "status");
      const reload = el("a", null, "recharger la page pour la traiter");
      reload.href = `${location.pathname}#reclamation-${claim.id_reclamation}`;
      reload.addEventListener("click", (event) => { event.preventDefault(); location.reload(); });
      notice.append(reload, ".");
      panel.append(notice);
      return;
    }
    const badge = box.querySelector("[data-statut]");
    if (badge && badge.dataset.statut !== claim.statut) {
      badge.textContent = `${claim.libelle_statut} (rechargez la page pour agir)`;
      badge.dataset.statut = claim.statut;
    }
  }

  async function catchUp() {
    // The JSON of the messages after the last one drawn (the page's own endpoint).
    try {
      const answer = await fetch(`${location.pathname}/messages?apres=${last}`, { credentials: "same-origin" });
      if (!answer.ok) return;
      const body = await answer.json();
      (body.data || []).forEach(draw);
    } catch (_) { /* the next frame or reconnection tries again */ }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${script.dataset.socket}`);
    socket.addEventListener("open", () => { retry = 1000; });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_) { return; }
      switch (frame.type) {
        case "bienvenue":
        case "resynchronisation":
          catchUp();
          break;
        case "message": draw(frame.data); break;
        case "ecrit": showTyping(frame); break;
        case "conversation": conversation(frame.data); break;
        case "reclamation": claimChanged(frame.data); break;
        case "retrait": {
          const gone = document.getElementById(`message-${frame.id_message}`);
          const body = gone && gone.querySelector(".contenu-message");
          if (body) { body.textContent = "Message masqué par la modération."; body.className = "mb-0 fst-italic text-secondary"; }
          break;
        }
        case "ping": socket.send(JSON.stringify({ type: "pong" })); break;
        default: break;
      }
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  if (reply) {
    reply.addEventListener("input", () => {
      const now = Date.now();
      if (socket && socket.readyState === WebSocket.OPEN && now - lastTypingSent > 2000) {
        lastTypingSent = now;
        socket.send(JSON.stringify({ type: "ecrit" }));
      }
    });
  }
  if (script.dataset.socket && "WebSocket" in window) connect();
})();
