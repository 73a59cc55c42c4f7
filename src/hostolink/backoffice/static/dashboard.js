// Draws the dashboard's charts from the JSON the page carries (Chart.js, served locally).
(function () {
  const days = JSON.parse(document.getElementById("donnees-jours").textContent);
  const labels = days.map((d) => d.jour.slice(8, 10) + "/" + d.jour.slice(5, 7));
  const series = (key) => days.map((d) => d[key]);
  const chart = (id, config) => new Chart(document.getElementById(id), config);
  chart("graphique-inscriptions", {
    type: "bar",
    data: { labels, datasets: [{ label: "Inscriptions", data: series("inscriptions"), backgroundColor: "#206bc4" }] },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
  chart("graphique-transactions", {
    data: {
      labels,
      datasets: [
        { type: "bar", label: "Nombre", data: series("transactions"), backgroundColor: "#2fb344", yAxisID: "nombre" },
        { type: "line", label: "Volume (F CFA)", data: series("volume"), borderColor: "#f76707", yAxisID: "volume" },
      ],
    },
    options: {
      animation: false,
      scales: { nombre: { position: "left", beginAtZero: true }, volume: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } },
    },
  });
  chart("graphique-operations", {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: "Dépôts", data: series("depots"), backgroundColor: "#4299e1" },
        { label: "Retraits", data: series("retraits"), backgroundColor: "#d63939" },
      ],
    },
    options: { animation: false },
  });
})();
