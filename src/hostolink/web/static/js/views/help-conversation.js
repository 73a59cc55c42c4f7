// One help-desk conversation, live over /ws/assistance/conversations/{id} (token as the
// subprotocols ['bearer', token], as the rooms do): the newest page of messages, older ones
// with `avant`, catch-up with `apres` after `bienvenue`/`resynchronisation`, reconnection
// with backoff, the typing indicator both ways, read markers, the linked transaction or
// operation, and the claims on it (made here, their decisions arriving live). Loaded by
// help.js when a conversation is opened, not with every view at start.
import { api, formatDate, formatXof, formError, h, onLeave, session, setTitle, toast } from "../core.js";
import { CONVERSATION_STATUS, IMAGES, KINDS, OBJECT_STATUS, errorText, field, uploadPiece } from "./help.js";

const RETRY_MAX_MS = 15000;
const TYPING_SEND_MS = 2500; // the server keeps at most one `ecrit` per 2 s per socket
const TYPING_SHOW_MS = 5000; // the agent stopped typing when nothing came for this long
const CLAIM_STATUS = {
  ouverte: ["En cours d'examen", "warn"],
  a_approuver: ["Décision en attente d'approbation", "warn"],
  resolue: ["Résolue", "ok"],
  rejetee: ["Classée sans suite", "error"],
};
const CLAIM_IN_PROGRESS = new Set(["ouverte", "a_approuver"]);
const CLAIM_CATEGORIES = [
  ["operation_echouee", "L'opération a échoué"],
  ["non_recu", "Argent non reçu"],
  ["montant_incorrect", "Montant incorrect"],
  ["non_autorisee", "Opération que je n'ai pas faite"],
  ["autre", "Autre problème"],
];
// As the claims' API names them (a conversation's detail carries the codes only).
const CATEGORY_LABELS = {
  operation_echouee: "Opération échouée",
  montant_incorrect: "Montant incorrect",
  non_recu: "Argent non reçu",
  non_autorisee: "Opération non autorisée",
  autre: "Autre",
};
const RESOLUTIONS = {
  contre_passation: "Remboursement de l'opération",
  ajustement_credit: "Crédit sur votre portefeuille",
  ajustement_debit: "Débit de votre portefeuille",
  sans_suite: "Sans suite",
};
// The provider's name for its code (`sandbox` → « Sandbox »): the public rails list.
let railNames = null;
function providerName(code) {
  railNames ??= api("GET", "/api/fournisseurs", { auth: false })
    .then((answer) => Object.fromEntries(answer.data.map((rail) => [rail.code, rail.nom])))
    .catch(() => ({}));
  return railNames.then((names) => names[code] || code);
}

// ObjectOut: {genre: transaction|operation, reference, type (type or direction), montant,
// statut, date, fournisseur}.
function objectSummary(conversation, objet) {
  const isOperation = objet.genre ? objet.genre === "operation" : Boolean(conversation.reference_operation);
  const reference = objet.reference || conversation.reference_operation || conversation.reference_transaction;
  const kind = objet.type || objet.type_transaction || objet.sens;
  const what = isOperation ? (kind === "depot" ? "Dépôt" : "Retrait") : KINDS[kind] || kind || "Transaction";
  const title = h("strong", { class: "help-object-title" }, what);
  if (objet.fournisseur) {
    providerName(objet.fournisseur).then((name) => {
      title.textContent = `${what} · ${name}`;
    });
  }
  const status = objet.libelle_statut || OBJECT_STATUS[objet.statut] || objet.statut;
  const tone = ["echouee", "expiree", "annulee"].includes(objet.statut)
    ? "error"
    : ["reussie", "validee"].includes(objet.statut)
      ? "ok"
      : "warn";
  const href = `#/${isOperation ? "operations" : "transactions"}/${encodeURIComponent(reference)}`;
  const label = isOperation ? "Opération concernée" : "Transaction concernée";
  return h(
    "div",
    { class: "help-object", role: "group", "aria-label": label },
    h("p", { class: "small muted" }, label),
    h(
      "div",
      { class: "row between" },
      title,
      objet.montant !== undefined && objet.montant !== null ? h("strong", {}, formatXof(objet.montant)) : "",
    ),
    h(
      "p",
      { class: "small" },
      status ? h("span", { class: `badge ${tone}` }, status) : "",
      " ",
      formatDate(objet.date || objet.date_creation),
    ),
    h("p", { class: "small" }, h("a", { href }, `Référence ${reference}`)),
  );
}

function claimItem(claim) {
  const [label, kind] = CLAIM_STATUS[claim.statut] || [claim.statut, ""];
  const category = claim.libelle_categorie || CATEGORY_LABELS[claim.categorie] || claim.categorie;
  return h(
    "li",
    { class: "list-item claim", "data-id": String(claim.id_reclamation) },
    h(
      "div",
      { class: "grow" },
      h("div", { class: "title" }, `Réclamation · ${category}`),
      h("span", { class: `badge ${kind} claim-status` }, claim.libelle_statut || label),
      h("div", { class: "sub wrap-text" }, claim.description),
      h("div", { class: "sub" }, `Ouverte le ${formatDate(claim.date_ouverture)}`),
      claim.statut === "resolue" || claim.statut === "rejetee"
        ? h(
            "div",
            { class: "sub wrap-text claim-outcome" },
            RESOLUTIONS[claim.resolution] || claim.resolution || "",
            claim.montant && claim.resolution !== "sans_suite" ? ` : ${formatXof(claim.montant)}` : "",
            claim.motif_decision ? ` — ${claim.motif_decision}` : "",
          )
        : claim.statut === "a_approuver"
          ? h("div", { class: "sub" }, "Une décision est prise : elle attend la validation d'un second responsable.")
          : "",
    ),
  );
}

/** The claim form in a modal dialog (the screen below keeps its place); closed and removed
 * once sent or cancelled. */
function openClaimDialog(conversationId, onCreated) {
  let dialog = null;
  const { form, cancel } = claimForm(conversationId, (claim) => {
    dialog.close();
    onCreated(claim);
  });
  dialog = h("dialog", { class: "claim-dialog", "aria-labelledby": "reclamation-titre" }, form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  form.querySelector("select")?.focus();
  return dialog;
}

function claimForm(conversationId, onCreated) {
  const category = h(
    "select",
    { name: "categorie", required: true },
    ...CLAIM_CATEGORIES.map(([value, label]) => h("option", { value }, label)),
  );
  const description = h("textarea", { name: "description", required: true, minlength: "10", maxlength: "2000", rows: "4" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer la réclamation");
  const cancel = h("button", { type: "button", class: "btn btn-secondary" }, "Annuler");
  const form = h(
    "form",
    {
      class: "stack claim-form",
      "aria-labelledby": "reclamation-titre",
      novalidate: true,
      onSubmit: async (event) => {
        event.preventDefault();
        formError(form, null);
        const text = description.value.trim();
        if (text.length < 10) {
          formError(form, { message: "Décrivez le problème en 10 caractères au moins.", fields: [{ champ: "description" }] });
          description.focus();
          return;
        }
        submit.disabled = true;
        try {
          const answer = await api("POST", `/api/assistance/conversations/${conversationId}/reclamations`, {
            body: { categorie: category.value, description: text },
          });
          toast(answer.message || "Réclamation enregistrée : un agent l'examine.");
          onCreated(answer.data);
        } catch (failure) {
          formError(form, failure);
          submit.disabled = false;
        }
      },
    },
    h("h2", { id: "reclamation-titre" }, "Faire une réclamation"),
    h("p", { class: "small muted" }, "Un agent examine votre réclamation ; s'il le faut, il rembourse ou corrige le montant."),
    field("reclamation-categorie", "Motif", category),
    field("reclamation-description", "Description", description, "10 caractères au moins."),
    h("div", { class: "row wrap" }, submit, cancel),
  );
  return { form, cancel };
}

function messageItem(m) {
  const time = h("time", { class: "msg-time small", datetime: m.date_envoi }, formatDate(m.date_envoi));
  const hidden = m.statut === "masque" || (m.contenu === null && !m.piece_jointe);
  const text = hidden
    ? h("p", { class: "msg-text msg-hidden" }, "Message retiré par la modération.")
    : m.contenu
      ? h("p", { class: "msg-text" }, m.contenu)
      : "";
  if (m.auteur === "systeme") {
    return h("li", { class: "msg system", "data-id": String(m.id_message) }, text, time);
  }
  const mine = m.auteur === "utilisateur";
  const piece = m.piece_jointe && !hidden
    ? h(
        "a",
        { href: m.piece_jointe.url, target: "_blank", rel: "noopener", class: "msg-piece" },
        h("img", {
          src: m.piece_jointe.url,
          alt: mine ? "Image jointe par vous" : `Image jointe par ${m.prenom_auteur || "le support"}`,
          loading: "lazy",
          width: m.piece_jointe.largeur || null,
          height: m.piece_jointe.hauteur || null,
        }),
      )
    : "";
  return h(
    "li",
    { class: `msg${mine ? " mine" : " agent"}`, "data-id": String(m.id_message) },
    mine ? "" : h("div", { class: "msg-author small" }, `${m.prenom_auteur || "Agent"} · Support Hostolink`),
    text,
    piece,
    time,
  );
}

export async function renderConversation(params, mount) {
  const conversationId = Number(params.id);
  mount.replaceChildren(h("p", { class: "loading" }, "Chargement…"));
  let conversation;
  try {
    conversation = (await api("GET", `/api/assistance/conversations/${conversationId}`)).data;
  } catch (failure) {
    mount.replaceChildren(h("p", { class: "empty", role: "alert" }, errorText(failure)));
    return;
  }
  setTitle(conversation.sujet);

  const head = h("section", { class: "card help-head" });
  const claimsBox = h("section", { class: "card stack help-claims", "aria-labelledby": "reclamations-titre" });
  const log = h("ol", { class: "chat help-chat", role: "log", "aria-live": "polite", "aria-label": "Messages de la conversation" });
  const typing = h("p", { class: "small typing", role: "status", "aria-live": "polite" });
  const state = h("p", { class: "small muted live-state" }, "Connexion…");
  const inputId = `conversation-${conversationId}-message`;
  const input = h("textarea", { id: inputId, name: "contenu", maxlength: "4000", rows: "1", autocomplete: "off" });
  input.placeholder = "Votre message…";
  const send = h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer");
  let claims = conversation.reclamations || [];
  let dialog = null;
  const seen = new Set();
  let newest = null;
  let socket = null;
  let retry = 1000;
  let timer = null;
  let closed = false;
  let readTimer = null;
  let marked = null;
  let agentRead = null;
  let typingTimer = null;
  let lastTyping = 0;
  let refs = 0;
  let welcomed = false;
  let olderCursor = null;
  const older = h("button", { type: "button", class: "btn-link", hidden: true }, "Messages plus anciens");

  function drawHead() {
    const [label, kind] = CONVERSATION_STATUS[conversation.statut] || [conversation.statut, ""];
    head.replaceChildren(
      h(
        "div",
        { class: "row between" },
        h("h2", { class: "help-subject" }, conversation.sujet),
        h("span", { class: `badge ${kind} conversation-status` }, conversation.libelle_statut || label),
      ),
      h(
        "p",
        { class: "small muted" },
        conversation.agent
          ? `Suivie par ${conversation.agent.prenom || "un agent"}, du support Hostolink.`
          : "Un agent va prendre votre demande en charge.",
      ),
      conversation.statut === "resolue"
        ? h("p", { class: "notice small" }, "Cette conversation est résolue. Écrivez un message pour la rouvrir.")
        : "",
      conversation.objet ? objectSummary(conversation, conversation.objet) : "",
    );
  }

  function drawClaims() {
    const linked = conversation.reference_operation || conversation.reference_transaction;
    if (!linked && !claims.length) {
      claimsBox.hidden = true;
      return;
    }
    claimsBox.hidden = false;
    const inProgress = claims.some((c) => CLAIM_IN_PROGRESS.has(c.statut));
    claimsBox.replaceChildren(
      h("h2", { id: "reclamations-titre" }, "Réclamations"),
      claims.length
        ? h("ul", { class: "list claims", "aria-label": "Mes réclamations" }, ...claims.map(claimItem))
        : h("p", { class: "small muted" }, "Le problème n'est pas réglé ? Une réclamation demande à un agent de corriger l'opération."),
      linked && !inProgress
        ? h(
            "button",
            {
              type: "button",
              class: "btn btn-secondary btn-block",
              onClick: () => {
                dialog = openClaimDialog(conversationId, upsertClaim);
              },
            },
            "Faire une réclamation",
          )
        : "",
    );
  }

  function upsertClaim(claim) {
    const index = claims.findIndex((c) => c.id_reclamation === claim.id_reclamation);
    if (index === -1) claims = [...claims, claim];
    else claims = claims.map((c, i) => (i === index ? claim : c));
    drawClaims();
  }

  // The status, the agent and the claims as the server has them now: after an answer or a
  // decision, and after a cut (their own frames may have been missed meanwhile).
  let detailTimer = null;
  function refreshDetail() {
    clearTimeout(detailTimer);
    detailTimer = setTimeout(async () => {
      try {
        const fresh = (await api("GET", `/api/assistance/conversations/${conversationId}`)).data;
        if (closed) return;
        conversation = fresh;
        // A claim's live frame (ClaimOut) carries labels the detail's summary has not.
        const known = new Map(claims.map((c) => [c.id_reclamation, c]));
        claims = (fresh.reclamations || []).map((c) => {
          const shown = known.get(c.id_reclamation);
          return shown && shown.statut === c.statut ? { ...c, ...shown } : c;
        });
        drawHead();
        drawClaims();
      } catch {
        /* the next message or reconnection tries again */
      }
    }, 300);
  }

  function scrollDown() {
    log.lastElementChild?.scrollIntoView({ block: "end" });
  }

  function add(m) {
    if (m.interne) return; // never sent to a person; kept out should a frame slip through
    if (seen.has(m.id_message)) {
      // A message hidden meanwhile comes back masked from the catch-up: redraw it.
      const shown = log.querySelector(`.msg[data-id="${m.id_message}"]`);
      if (shown && m.statut === "masque") shown.replaceWith(messageItem(m));
      return;
    }
    seen.add(m.id_message);
    const item = messageItem(m);
    // Keep the order by id: a catch-up may bring a message older than one shown live.
    const after = [...log.querySelectorAll(".msg[data-id]")].find((li) => Number(li.dataset.id) > m.id_message);
    if (after) after.before(item);
    else log.append(item);
    if (newest === null || m.id_message > newest) newest = m.id_message;
    if (m.auteur === "agent") hideTyping();
    log.querySelector(".chat-empty")?.remove();
  }

  function drawSeen() {
    log.querySelector(".msg-seen")?.remove();
    if (agentRead === null) return;
    const mine = [...log.querySelectorAll(".msg.mine[data-id]")].filter((li) => Number(li.dataset.id) <= agentRead);
    mine.at(-1)?.append(h("span", { class: "msg-seen small" }, "Vu par le support"));
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typing.textContent = "";
    typing.classList.remove("active");
  }

  function showTyping() {
    typing.textContent = "L'agent écrit…";
    typing.classList.add("active");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
  }

  function sendRead() {
    clearTimeout(readTimer);
    readTimer = null;
    if (newest === null || (marked !== null && newest <= marked)) return;
    marked = newest;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "lu", id_message: newest }));
      return;
    }
    api("POST", `/api/assistance/conversations/${conversationId}/lu`, { body: { id_message: newest } }).catch(() => {
      marked = null;
    });
  }

  // Debounced: a burst of messages moves the marker once.
  function markRead() {
    if (document.visibilityState !== "visible" || closed) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 400);
  }

  async function fetchMessages(query) {
    const answer = await api("GET", `/api/assistance/conversations/${conversationId}/messages`, { query });
    const found = [...(answer.data || [])].sort((a, b) => a.id_message - b.id_message);
    return { found, next: answer.curseur_suivant };
  }

  // The latest page (newest first from the server); older ones with `avant`.
  async function loadOlder() {
    const { found, next } = await fetchMessages(olderCursor ? { avant: olderCursor, limite: 30 } : { limite: 30 });
    found.forEach((m) => add(m));
    olderCursor = next;
    older.hidden = !olderCursor;
    return found;
  }
  older.addEventListener("click", () => loadOlder().catch((e) => toast(errorText(e), "error")));

  // What came after `newest` (the latest page the first time), oldest first, page after page.
  async function catchUp({ resend = true } = {}) {
    const caught = [];
    if (newest === null) {
      caught.push(...(await loadOlder()));
    } else {
      let after = newest;
      for (let page = 0; page < 40; page += 1) {
        const { found, next } = await fetchMessages({ apres: after, limite: 50 });
        caught.push(...found);
        if (!next || !found.length) break;
        after = found.at(-1).id_message;
      }
    }
    caught.forEach((m) => add(m));
    // Messages typed whose acknowledgement the cut lost: stored if the catch-up shows them,
    // else sent again (not after `resynchronisation`: that socket never closed).
    for (const pending of resend ? log.querySelectorAll(".msg.pending.sending") : []) {
      const text = pending.querySelector(".msg-text")?.textContent;
      if (caught.some((m) => m.auteur === "utilisateur" && m.contenu === text)) pending.remove();
      else if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "message", contenu: text, ref: pending.dataset.ref }));
      }
    }
    if (!log.querySelector(".msg")) log.replaceChildren(h("li", { class: "empty chat-empty" }, "Aucun message."));
    drawSeen();
    scrollDown();
    markRead();
  }

  function onFrame(frame) {
    if (frame.type === "bienvenue") {
      retry = 1000;
      state.textContent = "En direct";
      log.dataset.live = "true";
      catchUp().catch(() => {});
      if (welcomed) refreshDetail(); // a reconnection: the head may be out of date
      welcomed = true;
    } else if (frame.type === "message") {
      const pending = log.querySelector(`.msg.pending[data-id="${frame.data.id_message}"]`);
      if (pending) {
        pending.replaceWith(messageItem(frame.data));
        seen.add(frame.data.id_message);
        if (frame.data.id_message > newest) newest = frame.data.id_message;
      } else {
        add(frame.data);
      }
      if (frame.data.auteur !== "utilisateur") refreshDetail();
      drawSeen();
      scrollDown();
      markRead();
    } else if (frame.type === "resynchronisation") {
      catchUp({ resend: false }).catch(() => {});
    } else if (frame.type === "ecrit") {
      if (frame.cote === "agent") showTyping();
    } else if (frame.type === "lu") {
      if (frame.cote === "agent" && (agentRead === null || frame.id_message > agentRead)) {
        agentRead = frame.id_message;
        drawSeen();
      }
    } else if (frame.type === "conversation") {
      conversation = { ...conversation, ...frame.data };
      drawHead();
      drawClaims();
    } else if (frame.type === "reclamation") {
      upsertClaim(frame.data);
    } else if (frame.type === "retrait") {
      const shown = log.querySelector(`.msg[data-id="${frame.id_message}"]`);
      shown?.querySelector(".msg-piece")?.remove();
      const text = shown?.querySelector(".msg-text");
      if (text) {
        text.textContent = "Message retiré par la modération.";
        text.classList.add("msg-hidden");
      }
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
  }

  function connect() {
    if (closed) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws/assistance/conversations/${conversationId}`, ["bearer", session.token]);
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      onFrame(frame);
    });
    socket.addEventListener("close", async (event) => {
      delete log.dataset.live;
      hideTyping();
      if (closed) return;
      if (event.code === 4403 || event.code === 4404) {
        state.textContent = event.reason || "Accès à la conversation refusé.";
        return;
      }
      state.textContent = "Hors ligne : reconnexion…";
      if (event.code === 4401) {
        // The access token expired: any authenticated call refreshes it (core's api()).
        await api("GET", `/api/assistance/conversations/${conversationId}`).catch(() => {});
      }
      timer = setTimeout(connect, retry);
      retry = Math.min(retry * 2, RETRY_MAX_MS);
    });
  }

  async function post(text) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      const ref = `r${Date.now()}-${++refs}`;
      const pending = messageItem({ id_message: 0, auteur: "utilisateur", contenu: text, date_envoi: new Date().toISOString() });
      pending.classList.add("pending", "sending");
      pending.dataset.ref = ref;
      delete pending.dataset.id;
      log.querySelector(".chat-empty")?.remove();
      log.append(pending);
      scrollDown();
      socket.send(JSON.stringify({ type: "message", contenu: text, ref }));
      return;
    }
    const answer = await api("POST", `/api/assistance/conversations/${conversationId}/messages`, { body: { contenu: text } });
    add(answer.data.id_message ? answer.data : answer.data.message || answer.data);
    scrollDown();
    markRead();
  }

  // Typing: at most one `ecrit` every 2.5 s while the person types (the server drops more).
  input.addEventListener("input", () => {
    const now = Date.now();
    if (!input.value.trim() || now - lastTyping < TYPING_SEND_MS) return;
    if (socket && socket.readyState === WebSocket.OPEN) {
      lastTyping = now;
      socket.send(JSON.stringify({ type: "ecrit" }));
    }
  });
  // Enter sends, Shift+Enter goes to the next line (as in the messaging apps people know).
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // Images go over REST (uploaded first); the socket then brings them back to the page.
  const picker = h("input", { type: "file", accept: IMAGES, hidden: true, "aria-label": "Choisir une image à joindre" });
  const attach = h(
    "button",
    { type: "button", class: "btn btn-secondary attach", "aria-label": "Joindre une image", onClick: () => picker.click() },
    h("span", { class: "icon i-camera", "aria-hidden": "true" }),
  );
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    if (!file) return;
    attach.disabled = true;
    try {
      const body = { id_media: await uploadPiece(file) };
      if (input.value.trim()) body.contenu = input.value.trim();
      const answer = await api("POST", `/api/assistance/conversations/${conversationId}/messages`, { body });
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
      class: "row chat-form help-form",
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

  drawHead();
  drawClaims();
  mount.replaceChildren(
    h(
      "div",
      { class: "room-view help-conversation stack" },
      head,
      claimsBox,
      older,
      log,
      h("div", { class: "help-composer" }, typing, form, state),
    ),
  );

  onLeave(() => {
    closed = true;
    if (dialog?.open) dialog.close();
    clearTimeout(timer);
    clearTimeout(typingTimer);
    clearTimeout(detailTimer);
    if (readTimer) sendRead(); // what was on screen counts as read
    if (socket) socket.close(1000);
  });

  try {
    await catchUp();
  } catch (failure) {
    state.textContent = errorText(failure);
  }
  connect();
}

