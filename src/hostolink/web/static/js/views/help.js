// Aide et support: the FAQ (searched by the server, accents and typos tolerated), my
// conversations with the support, and a new conversation (optionally about one of my
// transactions or deposits/withdrawals, with a screenshot). One conversation, live, is in
// help-conversation.js, loaded on demand: the app's start-up scripts keep to their budget.
import { api, formatDate, formatXof, formError, h, navigate, route, setTitle, toast } from "../core.js";

export const IMAGES = "image/jpeg,image/png,image/webp";

export const CONVERSATION_STATUS = {
  nouvelle: ["En attente d'un agent", "warn"],
  en_cours: ["En cours", "warn"],
  attente_utilisateur: ["Réponse reçue", "ok"],
  resolue: ["Résolue", ""],
};
export const KINDS = {
  transfert: "Transfert",
  paiement_qr: "Paiement QR",
  depot: "Dépôt",
  retrait: "Retrait",
  remboursement: "Remboursement",
  ajustement: "Ajustement",
  bonus_parrainage: "Bonus de parrainage",
  contre_passation: "Remboursement",
};
export const OBJECT_STATUS = {
  initiee: "Initiée",
  en_attente: "En attente",
  a_verifier: "En vérification",
  reussie: "Réussie",
  validee: "Validée",
  echouee: "Échouée",
  expiree: "Expirée",
  annulee: "Annulée",
};

export function errorText(error) {
  return error && error.status ? error.message : error?.message || "Connexion impossible : réessayez.";
}

export function field(id, label, input, hint) {
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
export async function uploadPiece(file) {
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
  const unread = c.non_lus
    ? h(
        "span",
        { class: "badge unread-count", "aria-label": `${c.non_lus} message${c.non_lus > 1 ? "s" : ""} non lu${c.non_lus > 1 ? "s" : ""}` },
        String(c.non_lus),
      )
    : "";
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
        h(
          "div",
          { class: "conversation-meta" },
          h("span", { class: `badge ${kind} conversation-status` }, c.libelle_statut || label),
          h("time", { class: "sub", datetime: c.date_dernier_message }, formatDate(c.date_dernier_message || c.date_creation)),
        ),
      ),
      unread,
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

route("/aide", renderHelp, { title: "Aide et support", tab: "profil", back: "#/profil" });
route("/aide/nouvelle", renderNewConversation, { title: "Contacter le support", tab: "profil", back: "#/aide" });
route(
  "/aide/conversations/:id",
  async (params, mount, query) => {
    const { renderConversation } = await import("./help-conversation.js");
    await renderConversation(params, mount, query);
  },
  { title: "Conversation", tab: "profil", back: "#/aide" },
);
