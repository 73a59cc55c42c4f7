// Social: the feed (cursor pages), posting text and an image, like/unlike, comments,
// sharing through a public /p/ link, reporting. One post alone at #/social/:id.
import { api, formatDate, h, route, session, setTitle, toast } from "../core.js";

const MOTIFS = [
  ["spam", "Spam ou publicité"],
  ["haine", "Propos haineux"],
  ["harcelement", "Harcèlement"],
  ["desinformation", "Fausse information (santé)"],
  ["contenu_choquant", "Contenu choquant"],
  ["autre", "Autre raison"],
];

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// Local media URLs carry the server's configured public address; the same file is served
// by this origin, which the page's CSP allows (a remote origin would be blocked).
export function mediaUrl(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url, location.href);
    if (parsed.pathname.startsWith("/media/")) return parsed.pathname;
    return parsed.href;
  } catch {
    return null;
  }
}

export function avatar(name, photo, size = "", alt = "") {
  const src = mediaUrl(photo);
  if (src) return h("img", { class: `avatar ${size}`, src, alt, width: "40", height: "40" });
  const initials = (name || "?")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join("");
  return h("span", { class: `avatar ${size}`, "aria-hidden": "true" }, initials || "?");
}

export function uploadImage(file, usage) {
  const form = new FormData();
  form.append("fichier", file);
  form.append("usage", usage);
  return api("POST", "/api/medias", { form });
}

function errorText(error) {
  return error && error.status ? error.message : "Connexion impossible : réessayez.";
}

// ------------------------------------------------------------------ composer

function composer(onPosted) {
  const textId = nextId("pub-texte");
  const fileId = nextId("pub-image");
  const text = h("textarea", { id: textId, name: "contenu", rows: "3", maxlength: "5000", required: true });
  const file = h("input", { id: fileId, type: "file", name: "image", accept: "image/jpeg,image/png,image/webp" });
  const preview = h("img", { class: "preview", alt: "Aperçu de l'image choisie", hidden: true });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Publier");
  file.addEventListener("change", () => {
    if (preview.src) URL.revokeObjectURL(preview.src);
    const chosen = file.files[0];
    preview.hidden = !chosen;
    if (chosen) preview.src = URL.createObjectURL(chosen);
  });
  const form = h(
    "form",
    {
      class: "card stack composer",
      onSubmit: async (event) => {
        event.preventDefault();
        error.hidden = true;
        submit.disabled = true;
        try {
          const medias = [];
          if (file.files[0]) medias.push((await uploadImage(file.files[0], "publication")).data.id_media);
          const answer = await api("POST", "/api/publications", {
            body: { contenu: text.value.trim(), medias },
          });
          form.reset();
          preview.hidden = true;
          onPosted(answer.data);
          toast("Publication envoyée.");
        } catch (failure) {
          error.textContent = errorText(failure);
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: textId }, "Quoi de neuf ?"), text),
    h("div", { class: "field" }, h("label", { for: fileId }, "Ajouter une image (facultatif)"), file),
    preview,
    error,
    submit,
  );
  return form;
}

// ------------------------------------------------------------------ one post

function commentItem(c) {
  return h(
    "li",
    { class: "comment" },
    avatar(c.auteur.nom_affiche, c.auteur.photo_profile, "small"),
    h(
      "div",
      { class: "grow" },
      h("div", { class: "small" }, h("strong", {}, c.auteur.nom_affiche), " · ", h("time", { datetime: c.date_commentaire }, formatDate(c.date_commentaire))),
      h("p", { class: "comment-text" }, c.contenu),
    ),
  );
}

function commentsSection(post, countLabel) {
  const list = h("ul", { class: "comments" });
  const more = h("button", { type: "button", class: "btn-link", hidden: true }, "Commentaires suivants");
  const inputId = nextId("commentaire");
  const input = h("input", { id: inputId, name: "contenu", maxlength: "2000", required: true, autocomplete: "off" });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  let cursor = null;

  async function load() {
    const answer = await api("GET", `/api/publications/${post.id_publication}/commentaires`, {
      query: cursor ? { curseur: cursor } : {},
    });
    list.append(...answer.data.commentaires.map(commentItem));
    cursor = answer.data.curseur_suivant;
    more.hidden = !cursor;
  }
  more.addEventListener("click", () => load().catch((e) => toast(errorText(e), "error")));

  const form = h(
    "form",
    {
      class: "row comment-form",
      onSubmit: async (event) => {
        event.preventDefault();
        error.hidden = true;
        try {
          const answer = await api("POST", `/api/publications/${post.id_publication}/commentaires`, {
            body: { contenu: input.value.trim() },
          });
          list.append(commentItem(answer.data));
          input.value = "";
          post.nombre_commentaires += 1;
          countLabel();
        } catch (failure) {
          error.textContent = errorText(failure);
          error.hidden = false;
        }
      },
    },
    h("label", { for: inputId, class: "visually-hidden" }, "Votre commentaire"),
    h("div", { class: "grow" }, input),
    h("button", { type: "submit", class: "btn btn-primary" }, "Envoyer"),
  );
  input.placeholder = "Écrire un commentaire…";
  const box = h("div", { class: "comments-box stack" }, list, more, form, error);
  load().catch((e) => {
    error.textContent = errorText(e);
    error.hidden = false;
  });
  return box;
}

async function share(post, box, changed) {
  try {
    const answer = await api("POST", `/api/publications/${post.id_publication}/partages`, {
      body: { plateforme: "web" },
    });
    const link = answer.data.lien;
    post.nombre_partages += 1;
    changed();
    const inputId = nextId("lien");
    const field = h("input", { id: inputId, class: "share-link", readonly: true, value: link });
    box.replaceChildren(
      h("label", { for: inputId, class: "small" }, "Lien public de la publication"),
      h(
        "div",
        { class: "row" },
        h("div", { class: "grow" }, field),
        h(
          "button",
          {
            type: "button",
            class: "btn btn-secondary",
            onClick: async () => {
              try {
                await navigator.clipboard.writeText(link);
                toast("Lien copié.");
              } catch {
                field.select();
                toast("Sélectionnez le lien pour le copier.");
              }
            },
          },
          "Copier",
        ),
      ),
    );
    box.hidden = false;
    if (navigator.share) {
      navigator.share({ title: "Hostolink", text: post.contenu.slice(0, 120), url: link }).catch(() => {});
    }
  } catch (failure) {
    toast(errorText(failure), "error");
  }
}

/** Reports content to the moderators: `path` receives `body` plus the chosen reason. */
export function reportDialog({ title, path, body = {} }) {
  const selectId = nextId("motif");
  const detailsId = nextId("details");
  const select = h(
    "select",
    { id: selectId, name: "motif", required: true },
    ...MOTIFS.map(([value, label]) => h("option", { value }, label)),
  );
  const details = h("textarea", { id: detailsId, name: "details", rows: "3", maxlength: "1000" });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const dialog = h("dialog", { "aria-labelledby": `${selectId}-t` });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.append(
    h(
      "form",
      {
        class: "stack",
        onSubmit: async (event) => {
          event.preventDefault();
          try {
            const payload = { ...body, motif: select.value };
            if (details.value.trim()) payload.details = details.value.trim();
            const answer = await api("POST", path, { body: payload });
            close();
            toast(answer.message || "Signalement enregistré. Merci.");
          } catch (failure) {
            error.textContent = errorText(failure);
            error.hidden = false;
          }
        },
      },
      h("h2", { id: `${selectId}-t` }, title),
      h("div", { class: "field" }, h("label", { for: selectId }, "Motif"), select),
      h("div", { class: "field" }, h("label", { for: detailsId }, "Précisions (facultatif)"), details),
      error,
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", class: "btn grow", onClick: close }, "Annuler"),
        h("button", { type: "submit", class: "btn btn-danger grow" }, "Signaler"),
      ),
    ),
  );
  dialog.addEventListener("cancel", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  select.focus();
}

function reportPost(post) {
  reportDialog({
    title: "Signaler la publication",
    path: "/api/signalements",
    body: { id_publication: post.id_publication },
  });
}

export function postCard(post, { openComments = false } = {}) {
  const me = session.user ? session.user.id_user : null; // loaded by the page (session.me())
  const stats = h("p", { class: "post-stats small muted", "aria-live": "polite" });
  const like = h("button", { type: "button", class: "action-btn like" }, "J'aime");
  const commentBtn = h("button", { type: "button", class: "action-btn", "aria-expanded": "false" }, "Commenter");
  const shareBox = h("div", { class: "share-box stack", hidden: true });
  let comments = null;

  const plural = (n, one, many) => `${n} ${n > 1 ? many : one}`;
  function counts() {
    stats.textContent = [
      plural(post.compteur_like, "j'aime", "j'aime"),
      plural(post.nombre_commentaires, "commentaire", "commentaires"),
      plural(post.nombre_partages, "partage", "partages"),
    ].join(" · ");
    like.setAttribute("aria-pressed", String(post.aime_par_moi));
  }
  counts();

  like.addEventListener("click", async () => {
    like.disabled = true;
    try {
      const method = post.aime_par_moi ? "DELETE" : "PUT";
      const answer = await api(method, `/api/publications/${post.id_publication}/like`);
      post.aime_par_moi = answer.data.aime_par_moi;
      post.compteur_like = answer.data.compteur_like;
      counts();
    } catch (failure) {
      toast(errorText(failure), "error");
    } finally {
      like.disabled = false;
    }
  });

  const card = h("article", { class: "card post", "data-id": String(post.id_publication) });
  commentBtn.addEventListener("click", () => {
    if (!comments) {
      comments = commentsSection(post, counts);
      card.append(comments);
    } else {
      comments.hidden = !comments.hidden;
    }
    commentBtn.setAttribute("aria-expanded", String(!comments.hidden));
    if (!comments.hidden) comments.querySelector("input").focus();
  });

  const images = post.medias
    .filter((m) => m.url)
    .map((m) =>
      h("img", {
        class: "post-image",
        src: mediaUrl(m.url),
        alt: `Image publiée par ${post.auteur.nom_affiche}`,
        width: String(m.largeur),
        height: String(m.hauteur),
        loading: "lazy",
      }),
    );
  card.append(
    h(
      "header",
      { class: "row post-head" },
      avatar(post.auteur.nom_affiche, post.auteur.photo_profile),
      h(
        "div",
        { class: "grow" },
        h("div", { class: "author" }, post.auteur.nom_affiche),
        h("a", { class: "small muted", href: `#/social/${post.id_publication}` }, h("time", { datetime: post.date_publication }, formatDate(post.date_publication))),
      ),
    ),
    post.titre_publication ? h("h3", {}, post.titre_publication) : "",
    h("p", { class: "post-text" }, post.contenu),
    ...images,
    stats,
    h(
      "div",
      { class: "post-actions" },
      like,
      commentBtn,
      h("button", { type: "button", class: "action-btn", onClick: () => share(post, shareBox, counts) }, "Partager"),
      post.auteur.id_user !== me
        ? h("button", { type: "button", class: "action-btn", onClick: () => reportPost(post) }, "Signaler")
        : "",
    ),
    shareBox,
  );
  if (openComments) commentBtn.click();
  return card;
}

// ------------------------------------------------------------------ pages

function socialNav(current) {
  return h(
    "nav",
    { class: "subnav", "aria-label": "Réseau social" },
    h("a", { href: "#/social", "aria-current": current === "feed" ? "page" : "false" }, "Fil d'actualité"),
    h("a", { href: "#/thematiques", "aria-current": current === "rooms" ? "page" : "false" }, "Salons"),
  );
}
export { socialNav };

async function renderFeed(params, mount) {
  setTitle("Social");
  await session.me().catch(() => null);
  const feed = h("div", { class: "feed stack", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "btn btn-block", hidden: true }, "Voir plus");
  let cursor = null;
  async function load() {
    more.disabled = true;
    try {
      const answer = await api("GET", "/api/publications", { query: cursor ? { curseur: cursor } : {} });
      if (!cursor && !answer.data.publications.length) {
        feed.replaceChildren(h("p", { class: "empty" }, "Aucune publication pour le moment. Soyez le premier !"));
      }
      feed.append(...answer.data.publications.map((p) => postCard(p)));
      cursor = answer.data.curseur_suivant;
      more.hidden = !cursor;
    } catch (failure) {
      feed.append(h("p", { class: "form-error", role: "alert" }, errorText(failure)));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  mount.replaceChildren(
    socialNav("feed"),
    composer((post) => {
      const empty = feed.querySelector(".empty");
      if (empty) empty.remove();
      feed.prepend(postCard(post));
    }),
    feed,
    more,
  );
  await load();
}

async function renderPost(params, mount) {
  setTitle("Publication");
  await session.me().catch(() => null);
  try {
    const answer = await api("GET", `/api/publications/${encodeURIComponent(params.id)}`);
    mount.replaceChildren(socialNav(""), postCard(answer.data, { openComments: true }));
  } catch (failure) {
    mount.replaceChildren(h("p", { class: "empty", role: "alert" }, errorText(failure)));
  }
}

route("/social", renderFeed, { title: "Social", tab: "social" });
route("/social/:id", renderPost, { title: "Publication", tab: "social", back: "#/social" });
