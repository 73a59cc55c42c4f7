// Santé: establishments near me on a Leaflet map with the list below it (the list works
// without the map and offline), search, filters, detail with tap-to-call, and the
// emergency numbers, kept for offline use. Every route here is public (auth: false).
import { api, h, refreshBell, route, session, setTitle } from "../core.js";

const ABIDJAN = { lat: 5.3364, lon: -4.0267 }; // Plateau: fallback without geolocation
const RADII = [5000, 20000, 100000];
const NEAR_KEY = "hl.sante.proches";
const EMERGENCY_KEY = "hl.urgences";
const TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const OSM_ATTRIBUTION =
  '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>';

// Filters survive navigating to a detail and back.
const state = { categories: new Set(), openNow: false, always: false, emergencies: false, q: "" };
let position = null;
let leaflet = null;

// ------------------------------------------------------------------ helpers

function store(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify({ saved: new Date().toISOString(), value }));
  } catch {
    /* storage full or disabled: the network copy is enough */
  }
}

function recall(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

export function distance(m) {
  if (m == null) return "";
  if (m < 1000) return `${m} m`;
  return `${(m / 1000).toLocaleString("fr-FR", { maximumFractionDigits: 1 })} km`;
}

function badges(e) {
  const out = [];
  if (e.urgences) out.push(h("span", { class: "badge error" }, "Urgences"));
  if (e.ouvert_24h) out.push(h("span", { class: "badge ok" }, "24 h/24"));
  if (e.ouvert_maintenant === true) out.push(h("span", { class: "badge ok" }, "Ouvert"));
  if (e.ouvert_maintenant === false) out.push(h("span", { class: "badge warn" }, "Fermé"));
  if (e.verifie) out.push(h("span", { class: "badge" }, "Vérifié"));
  return out;
}

// "Centre hospitalier universitaire (CHU)" → "CHU": chips stay short on a phone.
function shortLabel(label) {
  const found = /\(([^)]+)\)$/.exec(label);
  return found ? found[1] : label;
}

function place(e) {
  return [e.adresse, e.commune, e.ville || e.region].filter(Boolean).join(", ");
}

function attributionLine(sources) {
  if (!sources || !sources.length) return null;
  const text = sources
    .map((s) => `${s.attribution || s.source} (${s.licence})`)
    .join(" ; ");
  return h("p", { class: "attribution small muted" }, `Sources : ${text}`);
}

function callLink(phone, big = false) {
  if (!phone || !phone.appel) return null;
  return h(
    "a",
    {
      class: big ? "btn btn-primary call" : "btn btn-secondary call",
      href: phone.appel,
      "aria-label": `Appeler ${phone.libelle} au ${phone.numero}`,
    },
    big ? `Appeler · ${phone.numero}` : "Appeler",
  );
}

// Public screens: someone not signed in gets a way into the app.
function signInLink() {
  if (session.isLoggedIn()) return "";
  return h("a", { class: "btn btn-link btn-block", href: "#/connexion" }, "Se connecter ou créer un compte");
}

// Leaflet is loaded only on the pages with a map; it fails offline when never cached, and
// the page then shows the list alone.
function loadLeaflet() {
  if (window.L) return Promise.resolve(window.L);
  if (leaflet) return leaflet;
  leaflet = new Promise((resolve, reject) => {
    const css = h("link", { rel: "stylesheet", href: "/app/vendor/leaflet/leaflet.css" });
    document.head.append(css);
    const script = h("script", { src: "/app/vendor/leaflet/leaflet.js" });
    script.addEventListener("load", () => resolve(window.L));
    script.addEventListener("error", () => {
      leaflet = null;
      script.remove();
      reject(new Error("leaflet"));
    });
    document.head.append(script);
  });
  return leaflet;
}

function createMap(element, center, zoom) {
  return loadLeaflet().then((L) => {
    if (!element.isConnected) return null;
    const map = L.map(element, { zoomControl: true, attributionControl: true });
    map.setView([center.lat, center.lon], zoom);
    if (navigator.onLine !== false) {
      L.tileLayer(TILES, { maxZoom: 19, attribution: OSM_ATTRIBUTION }).addTo(map);
    } else {
      element.classList.add("offline");
    }
    return map;
  });
}

function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) {
      resolve(null);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => resolve(null),
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
    );
  });
}

// core's query builder writes one value per key: repeated `categorie` go in the path.
function withCategories(path) {
  const params = new URLSearchParams();
  for (const code of state.categories) params.append("categorie", code);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function filterQuery() {
  const query = {};
  if (state.openNow) query.ouvert_maintenant = true;
  if (state.always) query.ouvert_24h = true;
  if (state.emergencies) query.urgences = true;
  return query;
}

// ------------------------------------------------------------------ Santé

function establishmentItem(e) {
  const details = [e.categorie_libelle, distance(e.distance_m), place(e)].filter(Boolean);
  return h(
    "li",
    { class: "list-item place-item", "data-id": String(e.id_etablissement) },
    h(
      "div",
      { class: "grow" },
      h("a", { class: "title place-name", href: `#/sante/${e.id_etablissement}` }, e.nom),
      h("div", { class: "sub" }, details.join(" · ")),
      h("div", { class: "row wrap badges" }, ...badges(e)),
    ),
    callLink(e.telephone),
  );
}

async function renderHealth(params, mount) {
  setTitle("Santé");
  const status = h("p", { class: "small muted", role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "list places", "aria-label": "Établissements" });
  const attribution = h("div");
  const mapBox = h("div", {
    class: "map",
    role: "region",
    "aria-label": "Carte des établissements (la liste ci-dessous donne les mêmes résultats)",
  });
  const search = h("input", {
    id: "sante-q",
    type: "search",
    name: "q",
    minlength: "2",
    maxlength: "100",
    autocomplete: "off",
    placeholder: "Hôpital, pharmacie, commune…",
    value: state.q,
  });
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Catégories" });
  let map = null;
  let markers = null;

  const toggles = [
    ["openNow", "Ouvert maintenant"],
    ["always", "24 h/24"],
    ["emergencies", "Urgences"],
  ].map(([key, label]) =>
    h(
      "button",
      {
        type: "button",
        class: "chip",
        "aria-pressed": String(state[key]),
        onClick: (event) => {
          state[key] = !state[key];
          event.currentTarget.setAttribute("aria-pressed", String(state[key]));
          refresh();
        },
      },
      label,
    ),
  );

  function show(found, sources, origin) {
    list.replaceChildren(
      ...(found.length
        ? found.map(establishmentItem)
        : [h("li", { class: "empty" }, "Aucun établissement ne correspond.")]),
    );
    attribution.replaceChildren(attributionLine(sources) || "");
    if (!map || !window.L) return;
    const L = window.L;
    markers.clearLayers();
    const points = [];
    if (origin) {
      L.circleMarker([origin.lat, origin.lon], {
        radius: 8,
        color: "#1b55c4",
        fillColor: "#1b55c4",
        fillOpacity: 0.9,
      })
        .bindTooltip("Vous êtes ici")
        .addTo(markers);
      points.push([origin.lat, origin.lon]);
    }
    for (const e of found) {
      if (e.lat == null || e.lon == null) continue;
      const popup = h(
        "div",
        {},
        h("strong", {}, e.nom),
        h("br"),
        h("a", { href: `#/sante/${e.id_etablissement}` }, "Voir la fiche"),
      );
      L.circleMarker([e.lat, e.lon], {
        radius: 7,
        color: e.urgences ? "#b3261e" : "#0a6b4f",
        fillColor: e.urgences ? "#b3261e" : "#0a6b4f",
        fillOpacity: 0.8,
      })
        .bindPopup(popup)
        .addTo(markers);
      points.push([e.lat, e.lon]);
    }
    if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });
    else if (points.length === 1) map.setView(points[0], 15);
  }

  async function near() {
    const origin = position || ABIDJAN;
    for (const rayon of RADII) {
      const answer = await api("GET", withCategories("/api/etablissements/proches"), {
        auth: false,
        query: { lat: origin.lat, lon: origin.lon, rayon, limite: 30, ...filterQuery() },
      });
      if (answer.data.length || rayon === RADII[RADII.length - 1]) {
        store(NEAR_KEY, { answer, origin });
        return { answer, origin, rayon };
      }
    }
    return null;
  }

  async function refresh() {
    status.textContent = "Recherche en cours…";
    try {
      if (state.q.length >= 2) {
        const answer = await api("GET", withCategories("/api/etablissements/recherche"), {
          auth: false,
          query: { q: state.q, limite: 30, ...filterQuery() },
        });
        status.textContent = answer.corrigee
          ? `${answer.data.length} résultat(s) pour « ${answer.requete} »`
          : `${answer.data.length} résultat(s)`;
        show(answer.data, answer.attribution, null);
      } else {
        const { answer, origin, rayon } = await near();
        const where = position ? "autour de vous" : "autour d'Abidjan (position inconnue)";
        status.textContent = `${answer.data.length} établissement(s) ${where}, dans un rayon de ${distance(rayon)}`;
        show(answer.data, answer.attribution, origin);
      }
    } catch (error) {
      const last = recall(NEAR_KEY);
      if (!state.q && last) {
        status.textContent = `Hors ligne : derniers résultats du ${new Date(last.saved).toLocaleString("fr-FR")}`;
        show(last.value.answer.data, last.value.answer.attribution, last.value.origin);
      } else {
        status.textContent = error.status
          ? error.message
          : "Connexion impossible : vérifiez votre réseau et réessayez.";
      }
    }
  }

  const form = h(
    "form",
    {
      class: "search",
      role: "search",
      onSubmit: (event) => {
        event.preventDefault();
        state.q = search.value.trim();
        refresh();
      },
    },
    h("label", { for: "sante-q", class: "visually-hidden" }, "Rechercher un établissement"),
    search,
    h("button", { type: "submit", class: "btn btn-primary" }, "Chercher"),
  );
  search.addEventListener("input", () => {
    if (!search.value.trim() && state.q) {
      state.q = "";
      refresh();
    }
  });

  mount.replaceChildren(
    h(
      "div",
      { class: "stack health" },
      h("a", { class: "btn btn-danger btn-block emergency-link", href: "#/urgences" }, "Numéros d'urgence"),
      form,
      chips,
      h("div", { class: "chips", role: "group", "aria-label": "Filtres" }, ...toggles),
      mapBox,
      status,
      list,
      attribution,
      signInLink(),
    ),
  );

  api("GET", "/api/etablissements/categories", { auth: false })
    .then((answer) => {
      chips.replaceChildren(
        ...answer.data
          .filter((c) => c.nombre > 0)
          .map((c) =>
            h(
              "button",
              {
                type: "button",
                class: "chip",
                title: c.libelle,
                "aria-pressed": String(state.categories.has(c.code)),
                onClick: (event) => {
                  if (state.categories.has(c.code)) state.categories.delete(c.code);
                  else state.categories.add(c.code);
                  event.currentTarget.setAttribute("aria-pressed", String(state.categories.has(c.code)));
                  refresh();
                },
              },
              shortLabel(c.libelle),
            ),
          ),
      );
    })
    .catch(() => chips.remove());

  createMap(mapBox, position || ABIDJAN, 13)
    .then((created) => {
      if (!created) return;
      map = created;
      markers = window.L.layerGroup().addTo(map);
    })
    .catch(() => {
      mapBox.classList.add("offline");
      mapBox.textContent = "Carte indisponible hors ligne : la liste ci-dessous reste à jour.";
    });

  if (!position) {
    status.textContent = "Recherche de votre position…";
    position = await locate();
  }
  await refresh();
}

// ------------------------------------------------------------------ detail

async function renderDetail(params, mount) {
  mount.replaceChildren(h("p", { class: "loading" }, "Chargement…"));
  let answer;
  try {
    answer = await api("GET", `/api/etablissements/${encodeURIComponent(params.id)}`, {
      auth: false,
    });
  } catch (error) {
    mount.replaceChildren(
      h("p", { class: "empty", role: "alert" }, error.status ? error.message : "Hors ligne : fiche indisponible."),
      h("a", { class: "btn btn-block", href: "#/sante" }, "Retour à la liste"),
    );
    return;
  }
  const e = answer.data;
  setTitle(e.nom);
  const phones = e.telephones.map((phone) =>
    h(
      "li",
      { class: "list-item" },
      h(
        "div",
        { class: "grow" },
        h("div", { class: "title" }, phone.libelle),
        h("div", { class: "sub" }, phone.numero),
        phone.confiance === "a_verifier"
          ? h("div", { class: "sub" }, "Numéro à vérifier")
          : phone.appel
            ? ""
            : h("div", { class: "sub" }, "Ancien numéro, non converti : appel impossible"),
      ),
      phone.appel
        ? h(
            "a",
            {
              class: "btn btn-primary call",
              href: phone.appel,
              "aria-label": `Appeler ${phone.libelle} au ${phone.numero}`,
            },
            "Appeler",
          )
        : "",
    ),
  );
  const hours = e.horaires.map((slot) =>
    h("tr", {}, h("th", { scope: "row" }, slot.jour_libelle), h("td", {}, `${slot.ouverture} – ${slot.fermeture}`)),
  );
  const open =
    e.ouvert_24h
      ? "Ouvert 24 h/24, 7 j/7"
      : e.ouvert_maintenant === true
        ? "Ouvert en ce moment"
        : e.ouvert_maintenant === false
          ? "Fermé en ce moment"
          : "Horaires non renseignés";
  const mapBox = h("div", { class: "map map-small", role: "img", "aria-label": `Position de ${e.nom}` });
  mount.replaceChildren(
    h(
      "div",
      { class: "stack place-detail" },
      h(
        "section",
        { class: "card" },
        h("h2", {}, e.nom),
        h("p", { class: "muted" }, [e.categorie_libelle, e.secteur].filter(Boolean).join(" · ")),
        place(e) ? h("p", {}, place(e)) : "",
        h("div", { class: "row wrap badges" }, ...badges(e)),
        h("p", { class: "open-now" }, open),
        e.description ? h("p", {}, e.description) : "",
      ),
      h("h3", { class: "section-title" }, "Appeler"),
      phones.length
        ? h("ul", { class: "list phones" }, ...phones)
        : h("p", { class: "empty" }, "Aucun numéro connu."),
      e.itineraire
        ? h(
            "div",
            { class: "row wrap" },
            h("a", { class: "btn btn-secondary", href: e.itineraire.openstreetmap, target: "_blank", rel: "noopener" }, "Itinéraire (OpenStreetMap)"),
            h("a", { class: "btn btn-secondary", href: e.itineraire.google_maps, target: "_blank", rel: "noopener" }, "Itinéraire (Google Maps)"),
          )
        : "",
      e.lat != null ? mapBox : "",
      hours.length ? h("h3", { class: "section-title" }, "Horaires") : "",
      hours.length
        ? h("table", { class: "card hours" }, h("caption", { class: "visually-hidden" }, "Horaires d'ouverture"), h("tbody", {}, ...hours))
        : "",
      e.services.length ? h("h3", { class: "section-title" }, "Services") : "",
      e.services.length ? h("ul", { class: "services" }, ...e.services.map((s) => h("li", {}, s))) : "",
      e.email || e.site_web
        ? h(
            "p",
            { class: "row wrap" },
            e.email ? h("a", { href: `mailto:${e.email}` }, e.email) : "",
            e.site_web ? h("a", { href: e.site_web, target: "_blank", rel: "noopener" }, "Site web") : "",
          )
        : "",
      attributionLine(answer.attribution),
    ),
  );
  if (e.lat != null) {
    createMap(mapBox, { lat: e.lat, lon: e.lon }, 16)
      .then((map) => {
        if (map) window.L.marker([e.lat, e.lon], { alt: e.nom }).addTo(map);
      })
      .catch(() => mapBox.remove());
  }
}

// ------------------------------------------------------------------ emergency numbers

async function renderEmergency(params, mount) {
  setTitle("Numéros d'urgence");
  const note = h("p", { class: "small muted", role: "status" });
  const list = h("ul", { class: "emergency-list" });
  mount.replaceChildren(
    h(
      "div",
      { class: "stack" },
      h("p", {}, "Touchez un numéro pour l'appeler directement."),
      list,
      note,
      h("a", { class: "btn btn-block", href: "#/sante" }, "Établissements de santé proches"),
      signInLink(),
    ),
  );
  let numbers;
  try {
    numbers = (await api("GET", "/api/numeros-urgence", { auth: false })).data;
    store(EMERGENCY_KEY, numbers);
    if (navigator.onLine === false) note.textContent = "Hors ligne : liste enregistrée sur ce téléphone.";
  } catch {
    const last = recall(EMERGENCY_KEY);
    if (!last) {
      note.textContent = "Hors ligne : la liste n'a pas encore été enregistrée sur ce téléphone.";
      list.replaceChildren(
        h("li", {}, h("a", { class: "emergency", href: "tel:185" }, h("span", { class: "service" }, "SAMU"), h("span", { class: "number" }, "185"))),
      );
      return;
    }
    numbers = last.value;
    note.textContent = `Hors ligne : liste enregistrée le ${new Date(last.saved).toLocaleString("fr-FR")}.`;
  }
  list.replaceChildren(
    ...numbers.map((n) =>
      h(
        "li",
        {},
        h(
          "a",
          {
            class: n.numero.length > 4 ? "emergency long" : "emergency",
            href: n.appel,
            "aria-label": `Appeler ${n.service} au ${n.numero}`,
          },
          h("span", { class: "number" }, n.numero),
          h(
            "span",
            { class: "what" },
            h("span", { class: "service" }, n.service),
            h("span", { class: "label" }, n.libelle),
            n.description ? h("span", { class: "desc" }, n.description) : "",
            n.confiance === "confirme" ? "" : h("span", { class: "desc" }, "Numéro non confirmé."),
          ),
        ),
      ),
    ),
  );
}

// These screens are public; a signed-in person keeps the tab bar and the bell on them.
function keepChrome(render) {
  return (params, mount, query) => {
    if (session.isLoggedIn()) {
      document.getElementById("tabbar").hidden = false;
      document.getElementById("bell").hidden = false;
      document.body.classList.remove("no-tabs");
      refreshBell();
    }
    return render(params, mount, query);
  };
}

route("/sante", keepChrome(renderHealth), { auth: false, title: "Santé", tab: "sante" });
route("/sante/:id", keepChrome(renderDetail), {
  auth: false,
  title: "Établissement",
  tab: "sante",
  back: "#/sante",
});
route("/urgences", keepChrome(renderEmergency), {
  auth: false,
  title: "Numéros d'urgence",
  tab: "sante",
  back: "#/sante",
});

