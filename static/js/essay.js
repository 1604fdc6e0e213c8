// The essay editor: a live count of the characters that count (not spaces or line breaks), the
// same count the server applies on submission, and a confirmation before submitting.
(function () {
  "use strict";

  function visibleLength(text) {
    return Array.from(text.replace(/\s+/gu, "")).length;
  }

  var body = document.getElementById("id_body");
  var counter = document.getElementById("essay-count");
  if (body && counter) {
    var min = parseInt(counter.dataset.min, 10) || 0;
    var number = counter.querySelector("[data-count]");
    var update = function () {
      var n = visibleLength(body.value);
      number.textContent = String(n);
      counter.classList.toggle("text-success", n >= min);
      counter.classList.toggle("text-danger", n < min);
    };
    body.addEventListener("input", update);
    update();
  }

  var form = document.getElementById("essay-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }
})();
