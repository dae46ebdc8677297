/* Draws the oversight dashboard's charts from the JSON the page carries in
   <script type="application/json" id="dashboard-data"> (data, never executed). Each chart has a
   table with the same numbers next to it, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  // Colour-blind-safe palette (Okabe-Ito).
  var colours = ["#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#009E73", "#CC79A7"];
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) {
      return new window.Chart(canvas, config);
    }
    return null;
  }

  var months = data.decisions_by_month.map(function (row) { return row.month; });
  draw("chart-decisions", {
    type: "bar",
    data: {
      labels: months,
      datasets: data.outcome_series.map(function (series, i) {
        return {
          label: series.label,
          backgroundColor: colours[i],
          data: data.decisions_by_month.map(function (row) { return row[series.key]; })
        };
      })
    },
    options: Object.assign({}, common, {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
    })
  });

  var times = data.decision_times.by_month;
  draw("chart-times", {
    type: "line",
    data: {
      labels: times.map(function (row) { return row.month; }),
      datasets: [
        { label: "Median days", borderColor: colours[0], backgroundColor: colours[0],
          data: times.map(function (row) { return row.median; }) },
        { label: "90th percentile days", borderColor: colours[2], backgroundColor: colours[2],
          data: times.map(function (row) { return row.p90; }) }
      ]
    },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
  });

  draw("chart-automatic", {
    type: "bar",
    data: {
      labels: data.automatic_rejections.map(function (row) { return row.condition + " (" + row.kind + ")"; }),
      datasets: [{ label: "Applications rejected automatically", backgroundColor: colours[2],
        data: data.automatic_rejections.map(function (row) { return row.count; }) }]
    },
    options: Object.assign({}, common, {
      indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
    })
  });

  draw("chart-votes", {
    type: "bar",
    data: {
      labels: data.outstanding_votes.map(function (row) { return row.member; }),
      datasets: [
        { label: "Outstanding", backgroundColor: colours[0],
          data: data.outstanding_votes.map(function (row) { return row.outstanding; }) },
        { label: "Past the deadline", backgroundColor: colours[2],
          data: data.outstanding_votes.map(function (row) { return row.overdue; }) }
      ]
    },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
  });

  var ons = data.notifications;
  draw("chart-ons", {
    type: "bar",
    data: {
      labels: ["Pending", "Sending", "Failed", "Delivered"],
      datasets: [{ label: "ONS notifications", backgroundColor: [colours[3], colours[1], colours[2], colours[4]],
        data: [ons.pending, ons.sending, ons.failed, ons.delivered] }]
    },
    options: Object.assign({}, common, {
      plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    })
  });
})();
