// Draws the hour dashboard's charts from the JSON the page carries (no inline script: CSP).
(function () {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const colors = ["#2e7d32", "#1565c0", "#b71c1c", "#9e9e9e", "#cfd8dc"];
  const charts = [];
  const options = {
    standings: {
      color: colors,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{
        type: "pie",
        radius: ["35%", "65%"],
        label: { formatter: "{b}\n{c}" },
        data: data.standings.map(function (name, i) { return { name: name, value: data.counts[i] }; }),
      }],
    },
    schools: {
      color: colors,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 180, right: 24, top: 16, bottom: 48 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.schools, axisLabel: { width: 160, overflow: "truncate" } },
      series: data.schoolSeries.map(function (s) { return { name: s.name, type: "bar", stack: "people", data: s.data }; }),
    },
  };
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    const option = options[element.dataset.chart];
    if (option) {
      const chart = echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
    }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
