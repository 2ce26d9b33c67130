/* Doorstep charts: draws the insight page's charts with Plotly (served from the plotly package).
 *
 * No data lives in this file and no script is inline in the page: every chart is a
 * <div data-chart="kind" data-source="id"> whose numbers are in the
 * <script type="application/json" id="id"> block next to it, and the page's message
 * patterns (already in its language) are in #chart-text. The same numbers are in a
 * table under each chart; once a chart is drawn its table folds away.
 *
 * Text that came from people (stage and theme names) is escaped before Plotly sees it:
 * Plotly reads labels as a small subset of HTML.
 */
(function () {
  "use strict";

  var C = {
    text: "#1c2330",
    muted: "#5d6778",
    grid: "#e2e5ea",
    axis: "#c9ced6",
    accent: "#1f5f8b",
    band: "rgba(31, 95, 139, 0.14)",
    late: "#d9a23d",
    detractor: "#c8553d",
    promoter: "#2f8a6b",
    grey: "#b9c0cb",
    zero: "#8a94a3"
  };
  var CONFIG = { responsive: true, displayModeBar: false, scrollZoom: false, doubleClick: false };

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function esc(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // "NPS {nps} ({low} to {high})" with the values filled in (numbers or escaped text).
  function fill(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function one(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1);
  }

  function signed(value) {
    if (value === null || value === undefined) { return "—"; }
    return (value > 0 ? "+" : "") + value.toFixed(1);
  }

  function lines(parts) {
    return parts.filter(function (part) { return part; }).join("<br>");
  }

  function narrow(el) {
    return el.clientWidth < 560;
  }

  function npsLine(text, nps, ci) {
    return fill(text.nps_ci, { nps: one(nps), low: ci ? one(ci[0]) : "—", high: ci ? one(ci[1]) : "—" });
  }

  function layout(el, extra) {
    var font = window.getComputedStyle(document.body).fontFamily;
    var base = {
      font: { family: font, size: narrow(el) ? 11 : 12, color: C.text },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      margin: { l: 52, r: 16, t: 10, b: 44 },
      showlegend: false,
      dragmode: false,
      hovermode: "closest",
      hoverlabel: { bgcolor: "#ffffff", bordercolor: C.axis, font: { family: font, color: C.text, size: 12 }, align: "left" }
    };
    return Object.assign(base, extra);
  }

  function valueAxis(title, extra) {
    return Object.assign({
      title: { text: title, font: { size: 12, color: C.muted }, standoff: 8 },
      gridcolor: C.grid, zeroline: true, zerolinecolor: C.zero, zerolinewidth: 1,
      linecolor: C.axis, tickfont: { color: C.muted }, fixedrange: true, automargin: true
    }, extra || {});
  }

  function categoryAxis(extra) {
    return Object.assign({
      type: "category", showgrid: false, linecolor: C.axis, tickfont: { color: C.text },
      fixedrange: true, automargin: true
    }, extra || {});
  }

  // NPS with its interval as whiskers: the same picture wherever an NPS is shown.
  function whiskers(values, intervals) {
    return {
      type: "data", symmetric: false, thickness: 1.5, width: 5, color: C.muted,
      array: values.map(function (v, i) { return v === null || !intervals[i] ? null : intervals[i][1] - v; }),
      arrayminus: values.map(function (v, i) { return v === null || !intervals[i] ? null : v - intervals[i][0]; })
    };
  }

  function markerSymbols(flags) {
    return flags.map(function (few) { return few ? "circle-open" : "circle"; });
  }

  // --- 1. NPS over time, with its interval as a band ------------------------------------

  function trend(el, data, text) {
    var points = data.points;
    var x = points.map(function (p) { return p.start; });
    var nps = points.map(function (p) { return p.nps; });
    var low = points.map(function (p) { return p.ci95 ? p.ci95[0] : null; });
    var high = points.map(function (p) { return p.ci95 ? p.ci95[1] : null; });
    var hover = points.map(function (p, i) {
      return lines([
        "<b>" + esc(data.labels[i]) + (p.partial ? " (" + esc(text.partial) + ")" : "") + "</b>",
        npsLine(text, p.nps, p.ci95),
        fill(text.answers, { count: p.responses }),
        p.small_sample ? text.few : ""
      ]);
    });
    var traces = [
      { x: x, y: low, type: "scatter", mode: "lines", line: { width: 0, color: C.band }, hoverinfo: "skip" },
      { x: x, y: high, type: "scatter", mode: "lines", line: { width: 0, color: C.band }, fill: "tonexty",
        fillcolor: C.band, hoverinfo: "skip" },
      { x: x, y: nps, type: "scatter", mode: "lines+markers", line: { color: C.accent, width: 2 },
        marker: { color: C.accent, size: 8, symbol: markerSymbols(points.map(function (p) { return p.small_sample; })),
                  line: { color: C.accent, width: 2 } },
        hovertext: hover, hoverinfo: "text" }
    ];
    return {
      traces: traces,
      layout: layout(el, {
        height: narrow(el) ? 260 : 320,
        xaxis: { type: "date", tickformat: text.date_format, showgrid: false, linecolor: C.axis,
                 tickfont: { color: C.muted }, fixedrange: true, automargin: true },
        yaxis: valueAxis(text.nps)
      })
    };
  }

  // --- 2. The stage funnel: late rate on top, NPS of the stage's answers below -----------

  function funnel(el, data, text) {
    var stages = data.stages;
    var labels = data.labels.map(esc);
    var rates = stages.map(function (s) { return s.late_rate === null ? null : 100 * s.late_rate; });
    var nps = stages.map(function (s) { return s.nps; });
    var intervals = stages.map(function (s) { return s.ci95; });
    var bars = {
      // An untimed stage (the first has no start to time from) says so instead of showing 0%.
      x: labels, y: rates.map(function (r) { return r === null ? 0 : r; }), type: "bar", xaxis: "x", yaxis: "y",
      marker: { color: C.late },
      text: rates.map(function (r) { return r === null ? esc(text.not_timed) : r.toFixed(0) + "%"; }),
      textposition: "outside", cliponaxis: false, textfont: { color: C.muted, size: 11 },
      hovertext: stages.map(function (s, i) {
        return lines(["<b>" + labels[i] + "</b>", s.late_rate === null ? text.not_timed
          : fill(text.late_hover, { rate: (100 * s.late_rate).toFixed(1), late: s.late, timed: s.timed })]);
      }),
      hoverinfo: "text"
    };
    var points = {
      x: labels, y: nps, type: "scatter", mode: "markers", xaxis: "x", yaxis: "y2",
      marker: { color: C.accent, size: 10, symbol: markerSymbols(stages.map(function (s) { return s.small_sample; })),
                line: { color: C.accent, width: 2 } },
      error_y: whiskers(nps, intervals),
      hovertext: stages.map(function (s, i) {
        return lines(["<b>" + labels[i] + "</b>", npsLine(text, s.nps, s.ci95),
          fill(text.answers, { count: s.attributed_responses }), s.small_sample ? text.few : ""]);
      }),
      hoverinfo: "text"
    };
    var maxRate = Math.max.apply(null, rates.filter(function (r) { return r !== null; }).concat([10]));
    var shapes = [];
    if (data.nps !== null) {
      shapes.push({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y2", y0: data.nps, y1: data.nps,
                    line: { color: C.zero, width: 1, dash: "dash" } });
    }
    return {
      traces: [bars, points],
      layout: layout(el, {
        height: narrow(el) ? 380 : 420,
        bargap: 0.45,
        xaxis: categoryAxis({ anchor: "y2" }),
        yaxis: valueAxis(text.late_axis, { domain: [0.6, 1], range: [0, maxRate * 1.25], ticksuffix: "%" }),
        yaxis2: valueAxis(text.nps, { domain: [0, 0.48], range: [-105, 105], tickvals: [-100, -50, 0, 50, 100] }),
        shapes: shapes
      })
    };
  }

  // --- 3. Drivers: points each theme or stage costs, most harmful on top -----------------

  function drivers(el, data, text) {
    var items = data.drivers;
    var impact = items.map(function (d) { return d.nps_impact; });
    var labels = items.map(function (d, i) {
      var name = esc(data.labels[i]);
      return d.significant ? name : fill(esc(text.ns_label), { name: name });
    });
    var colours = items.map(function (d) {
      if (!d.significant) { return C.grey; }
      return d.nps_impact < 0 ? C.detractor : C.promoter;
    });
    var bar = {
      x: impact, y: labels, type: "bar", orientation: "h", marker: { color: colours },
      error_x: {
        type: "data", symmetric: false, thickness: 1.3, width: 4, color: C.muted,
        array: items.map(function (d) { return d.impact_ci95 ? d.impact_ci95[1] - d.nps_impact : null; }),
        arrayminus: items.map(function (d) { return d.impact_ci95 ? d.nps_impact - d.impact_ci95[0] : null; })
      },
      hovertext: items.map(function (d, i) {
        var ci = d.impact_ci95;
        return lines([
          "<b>" + esc(data.labels[i]) + "</b>",
          fill(text.impact_hover, { impact: signed(d.nps_impact), low: ci ? signed(ci[0]) : "—", high: ci ? signed(ci[1]) : "—" }),
          fill(text.mentions_nps, { count: d.mentions, nps: one(d.nps) }),
          d.significant ? "" : esc(text.noise),
          d.small_sample ? text.few : ""
        ]);
      }),
      hoverinfo: "text"
    };
    var compact = narrow(el);
    return {
      traces: [bar],
      layout: layout(el, {
        height: 70 + items.length * (compact ? 30 : 32),
        margin: { l: 8, r: 16, t: 10, b: 44 },
        bargap: 0.35,
        xaxis: valueAxis(text.impact_axis),
        yaxis: categoryAxis({ autorange: "reversed", ticksuffix: "  " })
      })
    };
  }

  // --- 4. Lateness and score: NPS by how late the delivery arrived -----------------------

  // On a phone the buckets stand in rows, so that their names never need turning.
  function lateness(el, data, text) {
    var buckets = data.buckets;
    var labels = data.labels.map(esc);
    var nps = buckets.map(function (b) { return b.nps; });
    var colours = buckets.map(function (b) { return b.low_minutes === null ? C.promoter : C.detractor; });
    var rows = narrow(el);
    var bars = whiskers(nps, buckets.map(function (b) { return b.ci95; }));
    var trace = {
      x: rows ? nps : labels, y: rows ? labels : nps, type: "scatter", mode: "markers",
      marker: { color: colours, size: 11, symbol: markerSymbols(buckets.map(function (b) { return b.small_sample; })),
                line: { color: colours, width: 2 } },
      hovertext: buckets.map(function (b, i) {
        var lost = b.points_lost_ci95;
        return lines([
          "<b>" + labels[i] + "</b>",
          npsLine(text, b.nps, b.ci95),
          fill(text.answers, { count: b.responses }),
          b.points_lost === undefined || b.points_lost === null ? ""
            : fill(text.lost_hover, { points: one(b.points_lost), low: lost ? one(lost[0]) : "—", high: lost ? one(lost[1]) : "—" }),
          b.small_sample ? text.few : ""
        ]);
      }),
      hoverinfo: "text"
    };
    trace[rows ? "error_x" : "error_y"] = bars;
    var npsAxis = valueAxis(text.nps, { range: [-105, 105], tickvals: [-100, -50, 0, 50, 100] });
    var shapes = [];
    if (data.on_time && data.on_time.nps !== null) {
      var v = data.on_time.nps;
      shapes.push(rows
        ? { type: "line", yref: "paper", y0: 0, y1: 1, x0: v, x1: v, line: { color: C.promoter, width: 1, dash: "dot" } }
        : { type: "line", xref: "paper", x0: 0, x1: 1, y0: v, y1: v, line: { color: C.promoter, width: 1, dash: "dot" } });
    }
    var bucketAxis = categoryAxis({ title: { text: esc(text.lateness_axis), font: { size: 12, color: C.muted } } });
    return {
      traces: [trace],
      layout: layout(el, {
        height: rows ? 90 + 40 * buckets.length : 320,
        margin: { l: rows ? 8 : 52, r: 16, t: 10, b: 44 },
        xaxis: rows ? npsAxis : bucketAxis,
        yaxis: rows ? categoryAxis({ autorange: "reversed", ticksuffix: "  " }) : npsAxis,
        shapes: shapes
      })
    };
  }

  var BUILDERS = { trend: trend, funnel: funnel, drivers: drivers, lateness: lateness };

  function draw(el, text) {
    var build = BUILDERS[el.getAttribute("data-chart")];
    var data = readJson(el.getAttribute("data-source"));
    if (!build || !data) { return; }
    var figure = build(el, data, text);
    window.Plotly.newPlot(el, figure.traces, figure.layout, CONFIG).then(function () {
      el.classList.add("is-drawn");
      var panel = el.closest(".chart-panel");
      var table = panel ? panel.querySelector("details.numbers") : null;
      if (table) { table.open = false; }  // the chart says it now; the numbers stay one click away
    });
  }

  function start() {
    var text = readJson("chart-text");
    if (!window.Plotly || !text) { return; }  // the tables stay open: nothing is lost
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i += 1) { draw(charts[i], text); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
