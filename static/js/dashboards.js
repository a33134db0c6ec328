// Draws the dashboards' charts with Chart.js. Each <canvas data-chart="ID"> reads its type,
// labels and datasets from the JSON in <script id="ID" type="application/json">, written by
// the page from the same figures as the table below the chart (and its CSV).
(function () {
  "use strict";

  const PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997"];

  function options(config) {
    const scales = { y: { beginAtZero: true, position: "left" } };
    if (config.datasets.some(function (dataset) { return dataset.yAxisID === "y1"; })) {
      scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    }
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: scales,
    };
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    const config = JSON.parse(source.textContent);
    // The box's height is set here: the page's policy allows no inline style attribute.
    canvas.parentElement.style.height = "280px";
    const datasets = config.datasets.map(function (dataset, index) {
      const colour = PALETTE[index % PALETTE.length];
      return Object.assign({ backgroundColor: colour, borderColor: colour }, dataset, {
        data: dataset.data.map(function (value) { return value === null ? null : Number(value); }),
      });
    });
    new window.Chart(canvas, {
      type: config.type,
      data: { labels: config.labels, datasets: datasets },
      options: options(config),
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
