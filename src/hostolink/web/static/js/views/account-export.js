// Mes données (loi n° 2013-450, ARTCI): ask for an export of my data, follow its
// preparation (polled while it runs), download the archive through its signed link.
import { api, formatDate, h, onLeave, route, setTitle, toast } from "../core.js";

const STATUS = {
  en_attente: ["en attente", "warn"],
  en_cours: ["en préparation", "warn"],
  pret: ["prête", "ok"],
  echoue: ["échouée", "error"],
  expire: ["effacée", ""],
};
const POLL_MS = 2000;

function size(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(".", ",")} Mo`;
}

function linkPath(url) {
  // The same origin as the app: only the path of the signed link.
  return new URL(url, location.href).pathname;
}

function item(row) {
  const [label, kind] = STATUS[row.statut] || [row.statut, ""];
  const lines = [`Demandée le ${formatDate(row.date_demande)}`];
  if (row.statut === "pret" && row.date_expiration) lines.push(`disponible jusqu'au ${formatDate(row.date_expiration)}`);
  return h(
    "li",
    { class: "list-item export-item", "data-statut": row.statut },
    h(
      "div",
      { class: "grow" },
      h("div", { class: "title" }, `Archive ${row.taille != null ? `(${size(row.taille)})` : ""}`.trim()),
      h("div", { class: "sub" }, lines.join(" · ")),
      h("div", { class: "sub" }, row.message),
      row.lien
        ? h(
            "a",
            { class: "btn btn-primary export-download", href: linkPath(row.lien.url), download: "" },
            "Télécharger mes données",
          )
        : "",
    ),
    h("span", { class: `badge ${kind} export-status` }, label),
  );
}

async function renderExport(_params, mount) {
  setTitle("Mes données");
  let timer = null;
  let left = false;
  onLeave(() => {
    left = true;
    clearTimeout(timer);
  });
  const list = h("ul", { class: "list exports", "aria-live": "polite" });
  const ask = h("button", { type: "button", class: "btn btn-primary export-ask" }, "Demander mes données");
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const empty = h("p", { class: "muted exports-empty" }, "Aucune demande pour le moment.");

  async function load() {
    clearTimeout(timer);
    let rows;
    try {
      rows = (await api("GET", "/api/mon-compte/exports")).data;
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    list.replaceChildren(...rows.map(item));
    list.hidden = !rows.length;
    empty.hidden = rows.length > 0;
    const running = rows.some((r) => r.statut === "en_attente" || r.statut === "en_cours");
    ask.disabled = running;
    if (running && !left) timer = setTimeout(load, POLL_MS);
  }

  ask.addEventListener("click", async () => {
    ask.disabled = true;
    error.hidden = true;
    try {
      const answer = await api("POST", "/api/mon-compte/exports");
      toast(answer.message);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
    await load();
  });

  mount.replaceChildren(
    h(
      "div",
      { class: "stack account-export" },
      h(
        "section",
        { class: "card stack", "aria-labelledby": "export-titre" },
        h("h2", { id: "export-titre" }, "Exporter mes données"),
        h(
          "p",
          { class: "small" },
          "Recevez une copie de vos données : profil, transactions, dépôts et retraits, publications, " +
            "commentaires, messages et notifications, dans une archive ZIP (JSON et tableaux CSV).",
        ),
        h(
          "p",
          { class: "small muted" },
          "La préparation prend quelques instants ; une notification vous prévient. L'archive reste " +
            "disponible 7 jours. Les images de vos pièces d'identité n'y figurent pas.",
        ),
        ask,
        error,
      ),
      h("section", { class: "card stack" }, h("h2", {}, "Mes demandes"), empty, list),
    ),
  );
  await load();
}

route("/mes-donnees", renderExport, { title: "Mes données", tab: "profil", back: "#/profil" });
