// Aide et support: the FAQ (searched by the server, accents and typos tolerated), my
// conversations with the support, a new conversation (optionally about one of my
// transactions or deposits/withdrawals, with a screenshot), and one conversation live over
// /ws/assistance/conversations/{id} (token as the subprotocols ['bearer', token], as the
// rooms do): catch-up with `apres` after `bienvenue`/`resynchronisation`, reconnection with
// backoff, the typing indicator both ways, read markers, and the claims on the linked payment.
import { api, formatDate, formatXof, formError, h, navigate, onLeave, route, session, setTitle, toast } from "../core.js";

const RETRY_MAX_MS = 15000;
const TYPING_SEND_MS = 2500; // the server keeps at most one `ecrit` per 2 s per socket
const TYPING_SHOW_MS = 5000; // the agent stopped typing when nothing came for this long
const IMAGES = "image/jpeg,image/png,image/webp";

const CONVERSATION_STATUS = {
  nouvelle: ["En attente d'un agent", "warn"],
  en_cours: ["En cours", "warn"],
  attente_utilisateur: ["Réponse reçue", "ok"],
  resolue: ["Résolue", ""],
};
const CLAIM_STATUS = {
  ouverte: ["Ouverte", "warn"],
  a_approuver: ["En cours de validation", "warn"],
  resolue: ["Résolue", "ok"],
  rejetee: ["Classée sans suite", "error"],
};
const CLAIM_IN_PROGRESS = new Set(["ouverte", "a_approuver"]);
export const CLAIM_CATEGORIES = [
  ["operation_echouee", "L'opération a échoué"],
  ["non_recu", "Argent non reçu"],
  ["montant_incorrect", "Montant incorrect"],
  ["non_autorisee", "Opération que je n'ai pas faite"],
  ["autre", "Autre problème"],
];
const RESOLUTIONS = {
  contre_passation: "Remboursement de l'opération",
  ajustement_credit: "Crédit sur votre portefeuille",
  ajustement_debit: "Débit de votre portefeuille",
  sans_suite: "Sans suite",
};
const KINDS = {
  transfert: "Transfert",
  paiement_qr: "Paiement QR",
  depot: "Dépôt",
  retrait: "Retrait",
  remboursement: "Remboursement",
  ajustement: "Ajustement",
  bonus_parrainage: "Bonus de parrainage",
  contre_passation: "Remboursement",
};
const OBJECT_STATUS = {
  initiee: "Initiée",
  en_attente: "En attente",
  a_verifier: "En vérification",
  reussie: "Réussie",
  validee: "Validée",
  echouee: "Échouée",
  expiree: "Expirée",
  annulee: "Annulée",
};

function errorText(error) {
  return error && error.status ? error.message : error?.message || "Connexion impossible : réessayez.";
}

function badge(map, status, label, extra = "") {
  const [fallback, kind] = map[status] || [status, ""];
  return h("span", { class: `badge ${kind} ${extra}`.trim() }, label || fallback);
}

function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute("aria-describedby", `${id}-aide`);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-aide` }, hint) : "",
    input,
  );
}

/** POST /api/assistance/pieces: a private image; resolves to its id_media. */
async function uploadPiece(file) {
  const form = new FormData();
  form.append("fichier", file);
  const answer = await api("POST", "/api/assistance/pieces", { form });
  return answer.data.id_media;
}

// ---------------------------------------------------------------------------- « Aide »

function faqSection() {
  const input = h("input", { type: "search", name: "q", maxlength: "100", autocomplete: "off", enterkeyhint: "search" });
  input.id = "aide-recherche";
  input.placeholder = "Ex. : retrait non reçu, frais, code PIN…";
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Catégories" });
  const info = h("p", { class: "small muted faq-info", role: "status" });
  const list = h("div", { class: "faq-list" }, h("p", { class: "loading" }, "Chargement…"));
  let category = "";
  let timer = null;
  let asked = 0;

  function drawChips(categories) {
    const all = [["", "Toutes"], ...categories.map((c) => [c, c])];
    chips.replaceChildren(
      ...all.map(([value, label]) =>
        h(
          "button",
          {
            type: "button",
            class: "chip",
            "aria-pressed": String(value === category),
            onClick: () => {
              category = category === value ? "" : value;
              search();
            },
          },
          label,
        ),
      ),
    );
  }

  async function search() {
    const ticket = ++asked;
    const q = input.value.trim();
    let answer;
    try {
      answer = await api("GET", "/api/aide/faq", { query: { q, categorie: category }, auth: false });
    } catch (failure) {
      if (ticket === asked) list.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(failure)));
      return;
    }
    if (ticket !== asked) return; // a later search answered first
    drawChips(answer.categories || []);
    const corrected = answer.recherche?.corrigee;
    const found = answer.data || [];
    info.textContent = corrected
      ? `Résultats pour « ${corrected} »`
      : q
        ? `${found.length} réponse${found.length > 1 ? "s" : ""} pour « ${q} »`
        : "";
    if (!found.length) {
      list.replaceChildren(
        h("p", { class: "empty" }, "Aucune réponse ne correspond. Essayez d'autres mots ou contactez le support."),
      );
      return;
    }
    list.replaceChildren(
      ...found.map((item) =>
        h(
          "details",
          { class: "faq-item", "data-id": String(item.id_question) },
          h("summary", {}, item.question),
          h("p", { class: "faq-answer" }, item.reponse),
          item.categorie ? h("p", { class: "small muted" }, item.categorie) : "",
        ),
      ),
    );
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 350);
  });
  const form = h(
    "form",
    {
      class: "search",
      role: "search",
      "aria-label": "Questions fréquentes",
      onSubmit: (event) => {
        event.preventDefault();
        clearTimeout(timer);
        search();
      },
    },
    h("label", { for: "aide-recherche", class: "visually-hidden" }, "Rechercher dans l'aide"),
    input,
    h("button", { type: "submit", class: "btn btn-primary" }, "Chercher"),
  );
  const section = h(
    "section",
    { class: "card stack faq", "aria-labelledby": "faq-titre" },
    h("h2", { id: "faq-titre" }, "Questions fréquentes"),
    form,
    chips,
    info,
    list,
  );
  return { section, ready: search() };
}

function conversationItem(c) {
  const [label, kind] = CONVERSATION_STATUS[c.statut] || [c.statut, ""];
  const last = c.dernier_message;
  return h(
    "li",
    {},
    h(
      "a",
      { class: "list-item conversation", href: `#/aide/conversations/${c.id_conversation}` },
      h(
        "div",
        { class: "grow" },
        h("div", { class: "title" }, c.sujet),
        last
          ? h("div", { class: "sub" }, last.auteur === "utilisateur" ? "Vous : " : "", last.extrait || "Image")
          : "",
        h("time", { class: "sub", datetime: c.date_dernier_message }, formatDate(c.date_dernier_message || c.date_creation)),
      ),
      h(
        "div",
        { class: "conversation-badges" },
        h("span", { class: `badge ${kind} conversation-status` }, c.libelle_statut || label),
        c.non_lus
          ? h(
              "span",
              { class: "badge unread-count", "aria-label": `${c.non_lus} message${c.non_lus > 1 ? "s" : ""} non lu${c.non_lus > 1 ? "s" : ""}` },
              String(c.non_lus),
            )
          : "",
      ),
    ),
  );
}

async function renderHelp(params, mount) {
  setTitle("Aide et support");
  const faq = faqSection();
  const list = h("ul", { class: "list conversations", "aria-label": "Mes conversations" });
  const more = h("button", { type: "button", class: "btn btn-secondary btn-block", hidden: true }, "Conversations plus anciennes");
  const mine = h(
    "section",
    { class: "stack", "aria-labelledby": "conversations-titre" },
    h(
      "div",
      { class: "between" },
      h("h2", { id: "conversations-titre", class: "section-title" }, "Mes conversations"),
    ),
    list,
    more,
  );
  mount.replaceChildren(
    h(
      "div",
      { class: "stack help" },
      h(
        "section",
        { class: "card stack help-contact" },
        h("p", {}, "Un dépôt, un retrait ou un paiement s'est mal passé ? Une question sur votre compte ? Nos agents vous répondent ici."),
        h("a", { class: "btn btn-primary btn-block", href: "#/aide/nouvelle" }, "Contacter le support"),
      ),
      mine,
      faq.section,
    ),
  );
  let cursor = null;
  async function load() {
    const answer = await api("GET", "/api/assistance/conversations", {
      query: { statut: "toutes", limite: 20, curseur: cursor },
    });
    if (!cursor && !answer.data.length) {
      list.replaceChildren(h("li", { class: "list-item empty" }, "Aucune conversation pour le moment."));
    } else {
      list.append(...answer.data.map(conversationItem));
    }
    cursor = answer.curseur_suivant;
    more.hidden = !cursor;
  }
  more.addEventListener("click", () => load().catch((e) => toast(errorText(e), "error")));
  try {
    await load();
  } catch (failure) {
    list.replaceWith(h("p", { class: "form-error", role: "alert" }, errorText(failure)));
  }
  await faq.ready;
}

// -------------------------------------------------------------------- new conversation

function operationLabel(o) {
  const what = o.sens === "depot" ? "Dépôt" : "Retrait";
  const status = OBJECT_STATUS[o.statut] ? ` · ${OBJECT_STATUS[o.statut]}` : "";
  return `${what} ${o.nom_fournisseur || ""} · ${formatXof(o.montant)} · ${formatDate(o.date_creation)}${status}`;
}

function transactionLabel(t) {
  const who = t.contrepartie?.nom_affiche ? ` · ${t.contrepartie.nom_affiche}` : "";
  return `${KINDS[t.type_transaction] || t.type_transaction}${who} · ${formatXof(t.montant)} · ${formatDate(t.date)}`;
}

async function renderNewConversation(params, mount, query) {
  setTitle("Contacter le support");
  const wantedOperation = query.get("operation");
  const wantedTransaction = query.get("transaction");
  const subject = h("input", { name: "sujet", required: true, minlength: "3", maxlength: "150", autocomplete: "off" });
  const message = h("textarea", { name: "message", required: true, maxlength: "4000", rows: "5" });
  const link = h("select", { name: "objet" }, h("option", { value: "" }, "Aucune"));
  const picture = h("input", { type: "file", name: "fichier", accept: IMAGES });
  const already = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Envoyer");
  const form = h(
    "form",
    {
      class: "card stack new-conversation",
      "aria-labelledby": "nouvelle-titre",
      novalidate: true,
      onSubmit: async (event) => {
        event.preventDefault();
        formError(form, null);
        const body = { sujet: subject.value.trim(), message: message.value.trim() };
        if (body.sujet.length < 3) {
          formError(form, { message: "Indiquez un sujet (3 caractères au moins).", fields: [{ champ: "sujet" }] });
          subject.focus();
          return;
        }
        if (!body.message) {
          formError(form, { message: "Écrivez votre message.", fields: [{ champ: "message" }] });
          message.focus();
          return;
        }
        const [kind, reference] = link.value ? [link.value.slice(0, 1), link.value.slice(2)] : [null, null];
        if (kind === "o") body.reference_operation = reference;
        if (kind === "t") body.reference_transaction = reference;
        submit.disabled = true;
        try {
          if (picture.files[0]) body.id_media = await uploadPiece(picture.files[0]);
          const answer = await api("POST", "/api/assistance/conversations", { body });
          toast(answer.message || "Votre message est envoyé au support.");
          navigate(`#/aide/conversations/${answer.data.id_conversation}`);
        } catch (failure) {
          formError(form, failure);
          submit.disabled = false;
        }
      },
    },
    h("h2", { id: "nouvelle-titre" }, "Décrivez votre problème"),
    field("aide-sujet", "Sujet", subject),
    field("aide-message", "Message", message, "Ce qui s'est passé, quand, et ce que vous attendez."),
    field("aide-objet", "Opération concernée (facultatif)", link, "Un dépôt, un retrait ou un paiement récent : l'agent le verra."),
    already,
    field("aide-piece", "Capture d'écran (facultatif)", picture, "Une image JPEG, PNG ou WebP."),
    submit,
  );
  mount.replaceChildren(form);

  const [operations, transactions, open] = await Promise.all([
    api("GET", "/api/operations", { query: { limite: 10 } }).then((a) => a.data).catch(() => []),
    api("GET", "/api/transactions", { query: { limite: 10 } }).then((a) => a.data).catch(() => []),
    api("GET", "/api/assistance/conversations", { query: { statut: "ouvertes", limite: 50 } })
      .then((a) => a.data)
      .catch(() => []),
  ]);
  if (wantedOperation && !operations.some((o) => o.reference === wantedOperation)) {
    operations.unshift({ reference: wantedOperation, label: `Opération ${wantedOperation}` });
  }
  if (wantedTransaction && !transactions.some((t) => t.reference === wantedTransaction)) {
    transactions.unshift({ reference: wantedTransaction, label: `Transaction ${wantedTransaction}` });
  }
  if (operations.length) {
    link.append(
      h(
        "optgroup",
        { label: "Dépôts et retraits" },
        ...operations.map((o) => h("option", { value: `o:${o.reference}`, selected: o.reference === wantedOperation }, o.label || operationLabel(o))),
      ),
    );
  }
  if (transactions.length) {
    link.append(
      h(
        "optgroup",
        { label: "Transactions" },
        ...transactions.map((t) =>
          h("option", { value: `t:${t.reference}`, selected: t.reference === wantedTransaction }, t.label || transactionLabel(t)),
        ),
      ),
    );
  }

  // One open conversation about a payment is enough: offer to go back to it.
  function checkAlready() {
    const [kind, reference] = link.value ? [link.value.slice(0, 1), link.value.slice(2)] : [null, null];
    const found = reference
      && open.find((c) => (kind === "o" ? c.reference_operation : c.reference_transaction) === reference);
    already.replaceChildren(
      found
        ? h(
            "p",
            { class: "notice" },
            "Une conversation est déjà ouverte à ce sujet : ",
            h("a", { href: `#/aide/conversations/${found.id_conversation}` }, found.sujet),
            ".",
          )
        : "",
    );
  }
  link.addEventListener("change", checkAlready);
  checkAlready();
  const chosen = operations.find((o) => o.reference === wantedOperation && !o.label);
  if (chosen) subject.value = `${chosen.sens === "depot" ? "Dépôt" : "Retrait"} ${chosen.nom_fournisseur || ""}`.trim();
  const chosenTransaction = transactions.find((t) => t.reference === wantedTransaction && !t.label);
  if (chosenTransaction) subject.value = KINDS[chosenTransaction.type_transaction] || "Transaction";
  if (wantedOperation || wantedTransaction) message.focus();
}

// ----------------------------------------------------------------- one conversation

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
    "section",
    { class: "card help-object", "aria-label": label },
    h("p", { class: "small muted" }, label),
    h(
      "div",
      { class: "between" },
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
  const category = claim.libelle_categorie
    || (CLAIM_CATEGORIES.find(([code]) => code === claim.categorie) || [null, claim.categorie])[1];
  return h(
    "li",
    { class: "list-item claim", "data-id": String(claim.id_reclamation) },
    h(
      "div",
      { class: "grow" },
      h("div", { class: "title" }, `Réclamation · ${category}`),
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
    h("span", { class: `badge ${kind} claim-status` }, claim.libelle_statut || label),
  );
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
    h("h3", { id: "reclamation-titre" }, "Faire une réclamation"),
    h("p", { class: "small muted" }, "Un agent examine votre réclamation ; s'il le faut, il rembourse ou corrige le montant."),
    field("reclamation-categorie", "Motif", category),
    field("reclamation-description", "Description", description, "10 caractères au moins."),
    h("div", { class: "row" }, submit, cancel),
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

async function renderConversation(params, mount) {
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
  const objectBox = h("div");
  const claimsBox = h("section", { class: "card stack help-claims", "aria-labelledby": "reclamations-titre" });
  const log = h("ol", { class: "chat help-chat", role: "log", "aria-live": "polite", "aria-label": "Messages de la conversation" });
  const typing = h("p", { class: "small typing", role: "status", "aria-live": "polite" });
  const state = h("p", { class: "small muted live-state" }, "Connexion…");
  const inputId = `conversation-${conversationId}-message`;
  const input = h("textarea", { id: inputId, name: "contenu", maxlength: "4000", rows: "1", autocomplete: "off" });
  input.placeholder = "Écrire au support…";
  const send = h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer");
  let claims = conversation.reclamations || [];
  let showClaimForm = false;
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
  let olderCursor = null;
  const older = h("button", { type: "button", class: "btn-link", hidden: true }, "Messages plus anciens");

  function drawHead() {
    const [label, kind] = CONVERSATION_STATUS[conversation.statut] || [conversation.statut, ""];
    head.replaceChildren(
      h(
        "div",
        { class: "between" },
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
    let form = null;
    if (linked && !inProgress && showClaimForm) {
      const built = claimForm(conversationId, (claim) => {
        showClaimForm = false;
        upsertClaim(claim);
      });
      built.cancel.addEventListener("click", () => {
        showClaimForm = false;
        drawClaims();
      });
      form = built.form;
    }
    claimsBox.replaceChildren(
      h("h2", { id: "reclamations-titre" }, "Réclamations"),
      claims.length
        ? h("ul", { class: "list claims", "aria-label": "Mes réclamations" }, ...claims.map(claimItem))
        : h("p", { class: "small muted" }, "Le problème n'est pas réglé ? Une réclamation demande à un agent de corriger l'opération."),
      form
        || (linked && !inProgress
          ? h(
              "button",
              {
                type: "button",
                class: "btn btn-secondary btn-block",
                onClick: () => {
                  showClaimForm = true;
                  drawClaims();
                  claimsBox.querySelector("select")?.focus();
                },
              },
              "Faire une réclamation",
            )
          : ""),
    );
  }

  function upsertClaim(claim) {
    const index = claims.findIndex((c) => c.id_reclamation === claim.id_reclamation);
    if (index === -1) claims = [...claims, claim];
    else claims = claims.map((c, i) => (i === index ? claim : c));
    drawClaims();
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
    } else if (frame.type === "message") {
      const pending = log.querySelector(`.msg.pending[data-id="${frame.data.id_message}"]`);
      if (pending) {
        pending.replaceWith(messageItem(frame.data));
        seen.add(frame.data.id_message);
        if (frame.data.id_message > newest) newest = frame.data.id_message;
      } else {
        add(frame.data);
      }
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
  const attach = h("button", { type: "button", class: "btn btn-secondary attach", onClick: () => picker.click() }, "Image");
  attach.setAttribute("aria-label", "Image : joindre une capture d'écran");
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
  if (conversation.objet) objectBox.replaceChildren(objectSummary(conversation, conversation.objet));
  drawClaims();
  mount.replaceChildren(
    h("div", { class: "room-view help-conversation stack" }, head, objectBox, claimsBox, older, log, typing, state, form),
  );

  onLeave(() => {
    closed = true;
    clearTimeout(timer);
    clearTimeout(typingTimer);
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

route("/aide", renderHelp, { title: "Aide et support", tab: "profil", back: "#/profil" });
route("/aide/nouvelle", renderNewConversation, { title: "Contacter le support", tab: "profil", back: "#/aide" });
route("/aide/conversations/:id", renderConversation, { title: "Conversation", tab: "profil", back: "#/aide" });
