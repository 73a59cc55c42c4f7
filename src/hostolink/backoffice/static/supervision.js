// Draws the supervision page from the figures it carries (Chart.js, served locally), then
// refreshes them from the back-office's JSON endpoint while the tab is visible.
(function () {
  "use strict";
  const script = document.currentScript;
  const source = script.dataset.source;
  const every = Number(script.dataset.intervalle || 30) * 1000;
  const COLOURS = {
    initiee: "#4299e1", en_attente: "#f59f00", a_verifier: "#ae3ec9", en_cours: "#4299e1", reussie: "#2fb344",
    terminee: "#2fb344", echouee: "#d63939", abandonnee: "#d63939", expiree: "#667382",
    annulee: "#9aa0ac",
  };
  const PROVIDERS = ["#206bc4", "#d63939", "#2fb344", "#f76707", "#ae3ec9", "#0ca678", "#667382"];
  const HTTP = { "2xx": "#2fb344", "3xx": "#4299e1", "4xx": "#f59f00", "5xx": "#d63939" };
  const HIDDEN_STATES = ["terminee", "annulee"]; // finished work: shown on demand (legend)
  const number = new Intl.NumberFormat("fr-FR");
  const charts = {};

  Chart.defaults.locale = "fr-FR";
  Chart.defaults.color = "#1d273b";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  const total = (values) => values.reduce((a, b) => a + b, 0);
  const duration = (s) =>
    s < 90 ? `${Math.round(s)} s`
      : s < 5400 ? `${Math.round(s / 60)} min`
        : `${(s / 3600).toFixed(1).replace(".", ",")} h`;
  const el = (tag, attributes = {}, text = null) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== null) node.textContent = text;
    return node;
  };

  // One chart, drawn again from `config` (the legend's choices kept); an empty chart gives
  // way to its sentence.
  function draw(key, empty, config, height) {
    const box = document.querySelector(`[data-graphique="${key}"]`);
    const canvas = box.querySelector("canvas");
    const sentence = box.querySelector(".vide");
    const previous = charts[key];
    if (previous) {
      const shown = new Map(previous.data.datasets.map((d, i) => [d.label, previous.isDatasetVisible(i)]));
      for (const dataset of config.data.datasets) {
        if (shown.has(dataset.label)) dataset.hidden = !shown.get(dataset.label);
      }
      previous.destroy();
      delete charts[key];
    }
    canvas.hidden = empty;
    if (sentence) sentence.hidden = !empty;
    box.classList.toggle("graphique-vide", empty);
    box.style.height = empty ? "" : height || "";
    if (!empty) charts[key] = new Chart(canvas, config);
  }

  const stackedOptions = (horizontal) => ({
    indexAxis: horizontal ? "y" : "x",
    scales: {
      x: { stacked: true, beginAtZero: true, ticks: { precision: 0, maxRotation: 0 } },
      y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
    },
    plugins: { legend: { position: "bottom" } },
  });
  const stackedSets = (series, hidden = []) => series.map((s) => ({
    label: s.libelle, data: s.valeurs, backgroundColor: COLOURS[s.code] || "#667382",
    hidden: hidden.includes(s.code),
  }));
  // Horizontal bars: room for each row, the legend and the axis.
  const rowsHeight = (rows) => `${Math.max(12, 6 + 2.2 * rows)}rem`;

  function drawNow(data) {
    const queue = data.file;
    draw("file", queue.types.length === 0, {
      type: "bar",
      data: { labels: queue.types, datasets: stackedSets(queue.series, HIDDEN_STATES) },
      options: stackedOptions(true),
    }, rowsHeight(queue.types.length));

    const operations = data.operations;
    draw("operations", operations.libelles.length === 0, {
      type: "bar",
      data: { labels: operations.libelles, datasets: stackedSets(operations.series) },
      options: stackedOptions(true),
    }, rowsHeight(operations.libelles.length));

    const due = queue.types.map((t, i) => [t, queue.dues[i]]).filter(([, n]) => n > 0);
    draw("dues", due.length === 0, {
      type: "bar",
      data: {
        labels: due.map(([t]) => t),
        datasets: [{ label: "Dues maintenant", data: due.map(([, n]) => n), backgroundColor: "#f59f00" }],
      },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
    });

    const pending = data.reconciliation;
    draw("reconciliation", pending.depot.nombre + pending.retrait.nombre === 0, {
      type: "bar",
      data: {
        labels: ["Dépôts", "Retraits"],
        datasets: [{
          label: "En attente de réconciliation",
          data: [pending.depot.nombre, pending.retrait.nombre],
          backgroundColor: ["#4299e1", "#d63939"],
        }],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
    });
    const ages = [["depot", "dépôt"], ["retrait", "retrait"]]
      .filter(([code]) => pending[code].nombre > 0)
      .map(([code, word]) => `plus ancien ${word} : ${duration(pending[code].age)}`);
    document.getElementById("reconciliation-ages").textContent = ages.length
      ? `Au-delà du délai de réconciliation ; ${ages.join(", ")}.` : "";
  }

  function drawSeries(series) {
    document.getElementById("series-indisponibles").hidden = Boolean(series);
    const hours = series ? series.heures : [];
    for (const key of ["creees", "finalisees"]) {
      const sets = series ? series[key] : [];
      draw(key, sets.length === 0, {
        type: "bar",
        data: { labels: hours, datasets: stackedSets(sets) },
        options: stackedOptions(false),
      });
    }
    // One unit for the whole axis (seconds, minutes or hours, from the longest delay): ticks
    // in rounded units would repeat themselves (« 2 min, 2 min »).
    const timing = series ? series.reglement : [];
    const longest = Math.max(0, ...timing.flatMap((p) => p.p95.filter((v) => v !== null)));
    const [unit, factor] = longest <= 180 ? ["s", 1] : longest <= 3 * 3600 ? ["min", 60] : ["h", 3600];
    const scaled = (values) => values.map((v) => (v === null ? null : Math.round((10 * v) / factor) / 10));
    const lines = [];
    timing.forEach((provider, i) => {
      const colour = PROVIDERS[i % PROVIDERS.length];
      lines.push(
        { label: `${provider.nom} — médiane`, data: scaled(provider.p50), borderColor: colour, backgroundColor: colour },
        { label: `${provider.nom} — 95e centile`, data: scaled(provider.p95), borderColor: colour, backgroundColor: colour, borderDash: [6, 4] },
      );
    });
    draw("reglement", lines.length === 0, {
      type: "line",
      data: { labels: hours, datasets: lines.map((l) => ({ ...l, spanGaps: true, pointRadius: 3 })) },
      options: {
        scales: {
          x: { ticks: { maxRotation: 0 } },
          y: { beginAtZero: true, title: { display: true, text: `délai (${unit})` } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label} : ${duration(c.parsed.y * factor)}` } },
        },
      },
    });
  }

  function table(headers, rows) {
    const node = el("table", { class: "table table-sm mb-2" });
    const head = node.createTHead().insertRow();
    headers.forEach((h, i) => head.appendChild(el("th", i ? { class: "text-end", scope: "col" } : { scope: "col" }, h)));
    const body = node.createTBody();
    for (const row of rows) {
      const line = body.insertRow();
      row.forEach((cell, i) => line.appendChild(
        el(i ? "td" : "th", i ? { class: "text-end" } : { scope: "row" }, typeof cell === "number" ? number.format(cell) : cell),
      ));
    }
    return node;
  }
  const fill = (key, ...nodes) => document.querySelector(`[data-tableau="${key}"]`).replaceChildren(...nodes);
  const line = (text) => el("p", { class: "mb-0" }, text);

  function drawCounters(counters) {
    const http = counters.http;
    const classes = Object.keys(http);
    const answered = total(Object.values(http));
    draw("http", answered === 0, {
      type: "bar",
      data: {
        labels: classes,
        datasets: [{ label: "Réponses", data: classes.map((c) => http[c]), backgroundColor: classes.map((c) => HTTP[c]) }],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
    });
    const share = answered ? (100 * http["5xx"] / answered).toFixed(2).replace(".", ",") : "0";
    document.getElementById("http-part-5xx").textContent =
      `${number.format(answered)} réponses, dont ${number.format(http["5xx"])} en 5xx (${share} %).`;

    const errors = counters.fournisseurs;
    fill("fournisseurs", errors.length
      ? table(["Fournisseur", "Nature", "Nombre"], errors.map((e) => [e.fournisseur, e.nature, e.nombre]))
      : line("Aucune erreur de fournisseur depuis le démarrage."));
    const typed = counters.otp_saisis;
    fill("otp",
      table(["Canal", "Envoyés", "Échecs d'envoi"], counters.otp.map((o) => [o.canal, o.envoyes, o.echecs])),
      line(`Codes saisis — valides : ${number.format(typed.valides)}, faux : ${number.format(typed.faux)}, `
        + `expirés ou épuisés : ${number.format(typed.expires)}.`));
    fill("connexions",
      table(["Secret", "Réussies", "Échouées"], counters.connexions.map((c) => [c.secret, c.reussies, c.echouees])),
      line(`Identifiants verrouillés après trop d'échecs : ${number.format(counters.verrouillages)}.`));
    fill("redis",
      table(["Composant", "Appels en échec"], counters.redis.map((r) => [r.composant, r.erreurs])),
      line(`Limites de débit comptées par le processus seul (Redis absent) : ${number.format(counters.repli_limites)}.`));
  }

  function drawCards(cards) {
    const row = document.getElementById("sante");
    row.replaceChildren(...cards.map((card) => {
      const body = el("div", { class: "card-body" });
      const head = el("div", { class: "d-flex align-items-center gap-2 mb-1" });
      head.append(el("span", { class: "etat-mot" }, card.word), el("span", { class: "subheader" }, card.title));
      body.append(head, el("div", { class: "sante-texte" }, card.text));
      if (card.detail) body.append(el("div", { class: "text-secondary small mt-1" }, card.detail));
      if (card.link) body.append(el("a", { class: "small", href: card.link }, card.link_text));
      const box = el("div", { class: `card sante-carte etat-${card.state}`, "data-sante": card.key });
      box.append(body);
      const column = el("div", { class: "col-md-6 col-xl-4" });
      column.append(box);
      return column;
    }));
  }

  // The numbers behind each chart, for whoever does not read charts.
  function drawTables(data) {
    const queue = data.file;
    const nodes = [el("h3", { class: "h4" }, "Tâches par type et statut")];
    nodes.push(table(["Type", ...queue.series.map((s) => s.libelle), "Dues"],
      queue.types.map((t, i) => [t, ...queue.series.map((s) => s.valeurs[i]), queue.dues[i]])));
    nodes.push(el("h3", { class: "h4" }, "Dépôts et retraits par fournisseur et statut"));
    nodes.push(table(["Fournisseur", ...data.operations.series.map((s) => s.libelle)],
      data.operations.libelles.map((l, i) => [l, ...data.operations.series.map((s) => s.valeurs[i])])));
    if (data.series) {
      const s = data.series;
      for (const [key, title] of [["creees", "Opérations créées par heure"], ["finalisees", "Opérations finalisées par heure"]]) {
        nodes.push(el("h3", { class: "h4" }, title));
        nodes.push(table(["Heure", ...s[key].map((x) => x.libelle)], s.heures.map((h, i) => [h, ...s[key].map((x) => x.valeurs[i])])));
      }
      const shown = (v) => (v === null ? "—" : duration(v));
      nodes.push(el("h3", { class: "h4" }, "Délai de règlement (médiane / 95e centile)"));
      nodes.push(table(["Heure", ...s.reglement.map((p) => p.nom)],
        s.heures.map((h, i) => [h, ...s.reglement.map((p) => (p.p50[i] === null ? "—" : `${shown(p.p50[i])} / ${shown(p.p95[i])}`))])));
    }
    document.getElementById("tableaux-graphiques").replaceChildren(...nodes);
  }

  function render(data) {
    document.getElementById("lu-a").textContent = data.lu_a;
    drawCards(data.sante);
    drawNow(data);
    drawSeries(data.series);
    drawCounters(data.compteurs);
    drawTables(data);
  }

  const status = (text) => { document.getElementById("etat-actualisation").textContent = text; };

  async function refresh() {
    if (document.hidden) return;
    try {
      const answer = await fetch(source, { headers: { Accept: "application/json" }, cache: "no-store" });
      const type = answer.headers.get("content-type") || "";
      if (!answer.ok || !type.includes("application/json")) {
        status("Actualisation impossible : session expirée ? Rechargez la page.");
        return;
      }
      render(await answer.json());
      status("");
    } catch (error) {
      status("Actualisation impossible : le serveur ne répond pas.");
    }
  }

  render(JSON.parse(document.getElementById("donnees-supervision").textContent));
  document.body.dataset.supervision = "dessinee"; // for the tests: every chart is drawn
  setInterval(refresh, every);
})();
