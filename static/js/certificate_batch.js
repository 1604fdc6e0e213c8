// Follows a certificate batch's progress on its page: polls the status URL every two seconds
// until the batch is finished, then shows the download (no inline script: CSP).
(function () {
  "use strict";
  const card = document.querySelector("[data-batch-status]");
  if (!card) {
    return;
  }
  const url = card.dataset.batchStatus;
  const bar = card.querySelector("[data-batch-progress]");
  const label = card.querySelector("[data-batch-label]");
  const count = card.querySelector("[data-batch-count]");
  const error = card.querySelector("[data-batch-error]");
  const download = card.querySelector("[data-batch-download]");
  function show(state) {
    bar.max = Math.max(state.total, 1);
    bar.value = state.done;
    label.textContent = state.statusLabel;
    count.textContent = state.done + "/" + state.total;
    error.textContent = state.error || "";
    if (state.download) {
      download.href = state.download;
      download.classList.remove("d-none");
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) {
          return;
        }
        show(state);
        if (!state.finished) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
