// The cockpit's charts (reports/cockpit.html): ECharts from the data embedded with json_script.
// Without this script the same figures are in the tables under each chart.
(function () {
  "use strict";

  var RED = "#c8102e";
  var PALETTE = [RED, "#e4572e", "#f3a712", "#669bbc", "#003049", "#7b2cbf", "#2a9d8f", "#6c757d"];

  function option(spec) {
    var unit = spec.unit || "";
    var base = {
      color: PALETTE,
      animation: false,
      // Tooltips drawn in the canvas: no HTML with inline styles (CSP).
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", renderMode: "richText" },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true }
    };
    if (spec.kind === "pie") {
      base.series = [{
        type: "pie",
        radius: ["35%", "70%"],
        data: spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; }),
        label: { formatter: "{b}: {d}%" }
      }];
      return base;
    }
    base.xAxis = {
      type: "category",
      data: spec.labels,
      axisLabel: { interval: 0, rotate: spec.labels.length > 6 ? 30 : 0, width: 90, overflow: "truncate" }
    };
    base.yAxis = { type: "value", axisLabel: { formatter: "{value}" + unit }, max: unit === "%" ? 100 : null };
    base.series = [{
      type: spec.kind === "line" ? "line" : "bar",
      data: spec.values,
      label: { show: spec.values.length <= 12, position: "top", formatter: "{c}" + unit }
    }];
    return base;
  }

  function draw() {
    var source = document.getElementById("cockpit-charts");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = data[el.dataset.chart];
      if (!spec) { return; }
      el.hidden = false;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      charts.push(chart);
      var table = el.parentElement.querySelector(".cockpit-data");
      if (table) { table.open = false; }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  // Picking a scope or a year shows it (the button does the same without JavaScript).
  document.addEventListener("change", function (event) {
    if (event.target.closest("#cockpit-picker")) { event.target.form.submit(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
