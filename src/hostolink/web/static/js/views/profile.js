// Profil: my details (name, first name, country), my photo, identity verification (KYC)
// with the status of my requests, links to the other screens, logging out.
import { api, formError, formatDate, h, route, session, setTitle, toast } from "../core.js";
import { avatar, mediaUrl } from "./social.js";

const DOCUMENTS = [
  ["cni", "Carte nationale d'identité"],
  ["passeport", "Passeport"],
  ["permis_conduire", "Permis de conduire"],
  ["carte_consulaire", "Carte consulaire"],
  ["carte_sejour", "Carte de séjour"],
];
const STATUS = {
  en_attente: ["en attente", "warn"],
  approuvee: ["approuvée", "ok"],
  rejetee: ["rejetée", "error"],
};
const LEVELS = ["non vérifié", "identité déclarée", "identité vérifiée", "vérification renforcée"];
const IMAGES = "image/jpeg,image/png,image/webp";

function field(id, label, input, hint) {
  input.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("span", { class: "hint", id: `${id}-aide` }, hint) : "",
    input,
  );
}

function displayName(me) {
  return [me.prenom, me.nom].filter(Boolean).join(" ") || "Mon compte";
}

function identity(me, onChanged) {
  // Hidden: the button below opens the picker (a file input is hard to style accessibly).
  const photo = h("input", {
    type: "file",
    name: "fichier",
    accept: IMAGES,
    hidden: true,
    "aria-label": "Choisir une nouvelle photo de profil",
  });
  photo.id = "profil-photo";
  const picture = h("div", { class: "profile-photo" }, avatar(displayName(me), me.photo_profile, "large", "Ma photo de profil"));
  photo.addEventListener("change", async () => {
    if (!photo.files[0]) return;
    const form = new FormData();
    form.append("fichier", photo.files[0]);
    try {
      const answer = await api("POST", "/api/user/photo", { form });
      picture.replaceChildren(
        h("img", { class: "avatar large", src: mediaUrl(answer.data.url), alt: "Ma photo de profil", width: "88", height: "88" }),
      );
      toast(answer.message || "Photo de profil mise à jour.");
      onChanged();
    } catch (failure) {
      toast(failure.message, "error");
    } finally {
      photo.value = "";
    }
  });
  return h(
    "section",
    { class: "card profile-head" },
    picture,
    h(
      "div",
      { class: "grow" },
      h("h2", { class: "profile-name" }, displayName(me)),
      h("p", { class: "muted small wrap-text" }, me.email || me.telephone || ""),
      me.compte ? h("p", { class: "small" }, `Compte ${me.compte.numero_compte}`) : "",
      h("p", { class: "small" }, `Niveau ${me.niveau_kyc} : ${LEVELS[me.niveau_kyc] || ""}`),
      h("button", { type: "button", class: "btn btn-secondary photo-btn", onClick: () => photo.click() }, "Changer ma photo"),
      photo,
    ),
  );
}

function editForm(me, onSaved) {
  const nom = h("input", { name: "nom", maxlength: "100", autocomplete: "family-name", value: me.nom || "" });
  const prenom = h("input", { name: "prenom", maxlength: "100", autocomplete: "given-name", value: me.prenom || "" });
  const pays = h("input", { name: "pays", maxlength: "100", autocomplete: "country-name", value: me.pays || "" });
  const form = h(
    "form",
    {
      class: "card stack",
      "aria-labelledby": "profil-titre",
      onSubmit: async (event) => {
        event.preventDefault();
        formError(form, null);
        const body = {};
        for (const [key, input] of [["nom", nom], ["prenom", prenom], ["pays", pays]]) {
          const value = input.value.trim();
          if (value && value !== (me[key] || "")) body[key] = value;
        }
        if (!Object.keys(body).length) {
          toast("Rien à modifier.");
          return;
        }
        try {
          const answer = await api("PATCH", "/api/user/me", { body });
          toast(answer.message || "Profil mis à jour.");
          await session.me(true);
          onSaved();
        } catch (failure) {
          formError(form, failure);
        }
      },
    },
    h("h2", { id: "profil-titre" }, "Mes informations"),
    field("profil-prenom", "Prénom", prenom),
    field("profil-nom", "Nom", nom),
    field("profil-pays", "Pays", pays),
    h("button", { type: "submit", class: "btn btn-primary" }, "Enregistrer"),
  );
  return form;
}

function kycRequests(requests) {
  if (!requests.length) return h("p", { class: "muted" }, "Aucune demande pour le moment.");
  return h(
    "ul",
    { class: "list kyc-requests" },
    ...requests.map((r) => {
      const [label, kind] = STATUS[r.statut] || [r.statut, ""];
      const doc = (DOCUMENTS.find(([code]) => code === r.type_document) || [r.type_document, r.type_document])[1];
      return h(
        "li",
        { class: "list-item" },
        h(
          "div",
          { class: "grow" },
          h("div", { class: "title" }, `${doc} · niveau ${r.niveau_demande}`),
          h("div", { class: "sub" }, `N° ${r.numero_document}`, r.date_soumission ? ` · ${formatDate(r.date_soumission)}` : ""),
          r.motif_rejet ? h("div", { class: "sub" }, `Motif : ${r.motif_rejet}`) : "",
        ),
        h("span", { class: `badge ${kind} kyc-status` }, label),
      );
    }),
  );
}

function kycForm(me, onSent) {
  const type = h("select", { name: "type_document", required: true }, ...DOCUMENTS.map(([v, l]) => h("option", { value: v }, l)));
  const number = h("input", { name: "numero_document", required: true, minlength: "3", maxlength: "50", autocomplete: "off" });
  const level = h(
    "select",
    { name: "niveau_demande" },
    ...[1, 2, 3].map((n) => h("option", { value: String(n), selected: n === Math.min(me.niveau_kyc + 1, 3) }, `Niveau ${n} : ${LEVELS[n]}`)),
  );
  const front = h("input", { type: "file", name: "recto", accept: IMAGES, required: true });
  const back = h("input", { type: "file", name: "verso", accept: IMAGES, required: true });
  const selfie = h("input", { type: "file", name: "selfie", accept: IMAGES, capture: "user", required: true });
  const backField = field("kyc-verso", "Verso de la pièce", back);
  type.addEventListener("change", () => {
    const passport = type.value === "passeport";
    backField.hidden = passport;
    back.required = !passport;
  });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer ma demande");
  const form = h(
    "form",
    {
      class: "stack kyc-form",
      onSubmit: async (event) => {
        event.preventDefault();
        formError(form, null);
        const data = new FormData();
        data.append("type_document", type.value);
        data.append("numero_document", number.value.trim());
        data.append("niveau_demande", level.value);
        data.append("recto", front.files[0]);
        if (type.value !== "passeport" && back.files[0]) data.append("verso", back.files[0]);
        data.append("selfie", selfie.files[0]);
        submit.disabled = true;
        try {
          await api("POST", "/api/verifications-identite", { form: data });
          toast("Demande envoyée : elle est en attente de vérification.");
          onSent();
        } catch (failure) {
          formError(form, failure);
          submit.disabled = false;
        }
      },
    },
    h("p", { class: "small muted" }, "Photos nettes, en entier, sans reflet. Vos pièces restent privées : seuls nos vérificateurs les voient."),
    field("kyc-type", "Type de pièce", type),
    field("kyc-numero", "Numéro de la pièce", number),
    field("kyc-niveau", "Niveau demandé", level),
    field("kyc-recto", "Recto de la pièce", front),
    backField,
    field("kyc-selfie", "Selfie avec la pièce", selfie, "Votre visage et la pièce sur la même photo."),
    submit,
  );
  return form;
}

async function renderProfile(params, mount) {
  setTitle("Profil");
  const me = await session.me(true);
  const kycBox = h("section", { class: "card stack kyc", "aria-labelledby": "kyc-titre" });
  const rerender = () => renderProfile(params, mount);

  async function loadKyc() {
    let requests = [];
    try {
      requests = (await api("GET", "/api/verifications-identite")).data;
    } catch (failure) {
      kycBox.replaceChildren(h("p", { class: "form-error", role: "alert" }, failure.message));
      return;
    }
    const pending = requests.some((r) => r.statut === "en_attente");
    kycBox.replaceChildren(
      h("h2", { id: "kyc-titre" }, "Vérification d'identité"),
      h("p", { class: "small" }, "Faites vérifier votre identité pour relever vos plafonds de paiement."),
      kycRequests(requests),
      pending
        ? h("p", { class: "notice" }, "Votre demande est en cours d'examen : nous vous prévenons dès qu'elle est traitée.")
        : me.niveau_kyc >= 3
          ? ""
          : kycForm(me, loadKyc),
    );
  }

  mount.replaceChildren(
    h(
      "div",
      { class: "stack profile" },
      identity(me, () => session.me(true).catch(() => {})),
      editForm(me, rerender),
      kycBox,
      h(
        "nav",
        { class: "list profile-links", "aria-label": "Raccourcis" },
        h("a", { class: "list-item", href: "#/notifications" }, "Notifications"),
        h("a", { class: "list-item", href: "#/thematiques" }, "Salons thématiques"),
        h("a", { class: "list-item", href: "#/urgences" }, "Numéros d'urgence"),
        h("a", { class: "list-item", href: "#/parrainage" }, "Parrainage : inviter mes proches"),
        h("a", { class: "list-item", href: "#/aide" }, "Aide et support"),
        h("a", { class: "list-item", href: "#/profil/securite" }, "Sécurité : changer mon mot de passe"),
        h("a", { class: "list-item", href: "#/profil/identifiant" }, "Changer de numéro ou d'e-mail"),
        h("a", { class: "list-item", href: "#/profil/appareils" }, "Appareils et sessions"),
        h("a", { class: "list-item", href: "#/mes-donnees" }, "Mes données"),
        h("a", { class: "list-item", href: "#/suppression-compte" }, "Supprimer mon compte"),
      ),
      h("button", { type: "button", class: "btn btn-block logout", onClick: () => session.logout() }, "Se déconnecter"),
    ),
  );
  await loadKyc();
}

route("/profil", renderProfile, { title: "Profil", tab: "profil" });
