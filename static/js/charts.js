// Draws the charts of a results page from the JSON the page carries (no inline script: CSP).
(function () {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const red = "#b71c1c";
  const charts = [];
  const options = {
    dimensions: {
      grid: { left: 110, right: 24, top: 16, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 5 },
      yAxis: { type: "category", data: data.dimensions },
      series: [{ type: "bar", data: data.averages, itemStyle: { color: red }, label: { show: true, position: "right" } }],
      tooltip: {},
    },
    distribution: {
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: ["1", "2", "3", "4", "5"] },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.distribution, itemStyle: { color: red }, label: { show: true, position: "top" } }],
      tooltip: {},
    },
    lessons: {
      grid: { left: 200, right: 32, top: 16, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 5 },
      yAxis: { type: "category", data: data.lessons, axisLabel: { width: 180, overflow: "truncate" } },
      series: [{ type: "bar", data: data.lessonAverages, itemStyle: { color: red }, label: { show: true, position: "right" } }],
      tooltip: {},
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
