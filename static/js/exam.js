// The exam paper: a countdown from the server's remaining time, autosave every 20 seconds while
// something changed, and a hand-in when the time runs out. The server decides everything: it
// grades, and an attempt past its deadline is closed there whether this page is open or not.
(function () {
  "use strict";
  var form = document.getElementById("exam-form");
  if (!form) { return; }
  var clock = document.getElementById("exam-clock");
  var savedNote = document.getElementById("exam-saved");
  var endAt = Date.now() + parseInt(form.dataset.remaining || "0", 10) * 1000;
  var dirty = false;
  var submitting = false;
  var AUTOSAVE_MS = 20000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var left = Math.max(0, Math.round((endAt - Date.now()) / 1000));
    var hours = Math.floor(left / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    clock.textContent = (hours ? hours + ":" : "") + pad(minutes) + ":" + pad(left % 60);
    clock.classList.toggle("urgent", left <= 60);
    if (left === 0) { timeUp(); }
  }

  function handIn() {
    submitting = true;
    // HTMLFormElement.prototype.submit skips the confirmation, which is for her own click only.
    HTMLFormElement.prototype.submit.call(form);
  }

  function timeUp() {
    if (submitting) { return; }
    savedNote.textContent = form.dataset.timeupText;
    handIn();
  }

  function autosave() {
    if (!dirty || submitting) { return; }
    dirty = false;
    var body = new FormData(form);
    body.append("autosave", "1");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (reply) {
      if (reply.ok) {
        savedNote.textContent = form.dataset.savedText + " " + reply.data.saved_at;
      } else if (reply.data.result) {
        window.location.assign(reply.data.result);  // the attempt is closed
      } else {
        savedNote.textContent = reply.data.message || form.dataset.failedText;
      }
    }).catch(function () {
      dirty = true;
      savedNote.textContent = form.dataset.failedText;
    });
  }

  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    var unanswered = [];
    form.querySelectorAll(".exam-question").forEach(function (fieldset, index) {
      if (!fieldset.querySelector("input:checked")) { unanswered.push(index + 1); }
    });
    var question = form.dataset.confirmText;
    if (unanswered.length) {
      question = form.dataset.unansweredText + unanswered.join("、") + "\n" + question;
    }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    submitting = true;
  });

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(autosave, AUTOSAVE_MS);
})();
