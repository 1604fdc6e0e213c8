// The receipt form's fee estimate: as the headcounts change, the form's program_<pk> fields are
// sent (debounced) to the estimate endpoint, which prices them by the same rule as a quote; this
// script only shows what comes back (amounts arrive as strings with two places, never computed
// here). Texts come from the box's data-* attributes, translated by the template.
(function () {
  "use strict";

  var box = document.getElementById("fee-estimate");
  if (!box || !window.fetch) {
    return;
  }
  var form = box.closest("form");
  var body = box.querySelector("[data-estimate-body]");
  var total = box.querySelector("[data-estimate-total]");
  var url = box.dataset.url;
  var timer = null;
  var pending = null;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return /^program_\d+$/.test(el.name || "");
    });
  }

  function query() {
    var params = new URLSearchParams();
    fields().forEach(function (el) {
      var value = (el.value || "").trim();
      if (/^\d{1,6}$/.test(value) && parseInt(value, 10) > 0) {
        params.append(el.name, value);
      }
    });
    return params;
  }

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (cell) {
      var td = document.createElement("td");
      td.textContent = cell.text;
      if (cell.className) {
        td.className = cell.className;
      }
      tr.appendChild(td);
    });
    return tr;
  }

  function show(data) {
    body.replaceChildren();
    data.lines.forEach(function (line) {
      body.appendChild(
        row([
          { text: line.program },
          { text: line.people + " " + box.dataset.people, className: "text-end" },
          { text: line.amount_display + " " + box.dataset.yuan, className: "text-end font-monospace" },
          { text: line.note, className: "text-secondary" },
        ])
      );
    });
    data.pending.forEach(function (name) {
      body.appendChild(
        row([
          { text: name },
          { text: "" },
          { text: box.dataset.negotiated, className: "text-end text-secondary" },
          { text: box.dataset.negotiatedNote, className: "text-secondary" },
        ])
      );
    });
    if (!data.lines.length && !data.pending.length) {
      body.appendChild(row([{ text: box.dataset.empty, className: "text-secondary" }]));
    }
    total.textContent =
      (data.pending.length ? box.dataset.totalPartial : box.dataset.total) +
      " " + data.total_display + " " + box.dataset.yuan;
    box.dataset.estimateTotal = data.total;
  }

  function update() {
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    fetch(url + "?" + query().toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: pending.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(show)
      .catch(function (error) {
        if (error.name !== "AbortError") {
          total.textContent = box.dataset.failed;
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 300);
  }

  fields().forEach(function (el) {
    el.addEventListener("input", later);
    el.addEventListener("change", later);
  });
  box.hidden = false;
  update();
})();
