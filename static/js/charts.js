// The charts of the report pages and the dashboard (Chart.js, vendored). The figures come in
// JSON data blocks (<script type="application/json">), never in inline script.
(function () {
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var colours = {done_on_time: '#28a745', done_late: '#ffc107', open_on_time: '#17a2b8',
                 open_overdue: '#dc3545', no_deadline: '#6c757d'};

  // The stacked bar chart of the timeliness split per unit (reports/_table.html).
  document.querySelectorAll('canvas[data-chart="timeliness"]').forEach(function (canvas) {
    if (canvas.dataset.drawn) { return; }
    canvas.dataset.drawn = '1';
    var d = read(canvas.id + '-data');
    if (!d) { return; }
    new Chart(canvas, {
      type: 'bar',
      data: {labels: d.chart.units, datasets: Object.keys(colours).map(function (key) {
        return {label: d.labels[key], data: d.chart.series[key], backgroundColor: colours[key]};
      })},
      options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}}
    });
  });

  // The dashboard: today's split (doughnut) and the monthly trend (lines), both clickable.
  var dash = read('dashboard-data');
  var doughnut = document.getElementById('timeliness-chart');
  if (!dash || !doughnut || doughnut.dataset.drawn) { return; }
  doughnut.dataset.drawn = '1';
  var f = dash.figures, labels = dash.labels, classes = dash.classes, urls = dash.urls;
  new Chart(doughnut, {
    type: 'doughnut',
    data: {labels: classes.map(function (c) { return labels[c]; }),
           datasets: [{data: classes.map(function (c) { return f.totals[c]; }),
                       backgroundColor: classes.map(function (c) { return colours[c]; })}]},
    options: {onClick: function (e, items) {
      if (items.length) { window.location = urls.timeliness.replace('__C__', classes[items[0].index]); }
    }}
  });
  var measures = ['done_on_time', 'done_late', 'open_overdue'];
  new Chart(document.getElementById('trend-chart'), {
    type: 'line',
    data: {labels: f.trend.map(function (m) { return m.label; }),
           datasets: measures.map(function (k) {
             return {label: labels[k], data: f.trend.map(function (m) { return m[k]; }), borderColor: colours[k]};
           })},
    options: {onClick: function (e, items) {
      if (items.length) {
        var m = f.trend[items[0].index], k = measures[items[0].datasetIndex];
        window.location = urls.trend.replace('__P__', m.key).replace('__M__', k);
      }
    }}
  });
})();
