// The essay editor: a live count of the characters that count (not spaces or line breaks), the
// same count the server applies on submission, a confirmation before submitting, and a question
// before leaving the page with writing not yet saved.
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
    // Leaving the page with unsaved writing asks first (the browser words the question).
    var saved = new FormData(form);
    var changed = function () {
      var now = new FormData(form);
      return ["title", "body"].some(function (name) {
        return now.get(name) !== saved.get(name);
      });
    };
    var leaving = function (event) {
      if (changed()) {
        event.preventDefault();
        event.returnValue = "";
      }
    };
    window.addEventListener("beforeunload", leaving);
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      window.removeEventListener("beforeunload", leaving);
    });
  }
})();
