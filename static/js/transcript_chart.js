// Draws a person's transcript chart: hours and theory hours per year as bars, the running total
// as a line, and the plan period's requirement as a dashed mark (data from json_script: CSP).
(function () {
  "use strict";
  const source = document.getElementById("transcript-chart");
  const element = document.querySelector("[data-chart='transcript']");
  if (!source || !element || typeof echarts === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const cumulative = {
    name: data.labels.cumulative,
    type: "line",
    data: data.cumulative,
    smooth: false,
    symbolSize: 8,
  };
  if (data.required) {
    cumulative.markLine = {
      symbol: "none",
      lineStyle: { type: "dashed", color: "#b71c1c" },
      label: { formatter: data.labels.required + " {c}" },
      data: [{ yAxis: data.required }],
    };
  }
  const chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#c62828", "#ef9a9a", "#1565c0"],
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 48, right: 24, top: 24, bottom: 48 },
    xAxis: { type: "category", data: data.years },
    yAxis: { type: "value", minInterval: 1, max: data.required ? function (v) { return Math.max(v.max, data.required); } : null },
    series: [
      { name: data.labels.hours, type: "bar", data: data.hours },
      { name: data.labels.theory, type: "bar", data: data.theory },
      cumulative,
    ],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
