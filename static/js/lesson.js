// The lesson player: a heartbeat every 10 seconds while the video plays, and on play, pause,
// seeking and the end, with a random id of this window. The server decides what counts (one
// window at a time, continuous watching only) and says so; this page only reports and shows.
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video) return;
  var INTERVAL_MS = 10000;
  var url = video.dataset.heartbeatUrl;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var message = document.getElementById("lesson-message");
  var watchedText = document.getElementById("lesson-watched");
  var bar = document.getElementById("lesson-progress");
  var done = document.getElementById("lesson-done");
  var counting = document.getElementById("lesson-counting");
  var resume = document.getElementById("lesson-resume");
  var watched = Number(video.dataset.watched) || 0;
  var timer = null;
  var sending = false;

  function randomTab() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  var tab = randomTab();

  function show(text, kind) {
    if (!text) {
      message.classList.add("d-none");
      return;
    }
    message.textContent = text;
    message.className = "alert alert-" + (kind || "warning");
  }

  function update(answer) {
    watched = answer.watched_seconds;
    watchedText.textContent = String(answer.watched_seconds);
    bar.value = answer.watched_seconds;
    done.classList.toggle("d-none", !answer.completed);
    counting.classList.toggle("d-none", !answer.counting || video.paused);
    if (!answer.counting) {
      show(answer.message, "danger");
    } else if (answer.warning) {
      show(answer.message, "warning");
    } else {
      show("");
    }
  }

  function beat() {
    if (sending || !url) return;
    sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify({ tab: tab, position: video.currentTime }),
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            update(answer);
          } else {
            counting.classList.add("d-none");
            show(answer.message || "", "danger");
          }
        });
      })
      .catch(function () {
        show("网络连接中断，本段观看暂未记录；恢复连接后会继续计时。", "warning");
      })
      .finally(function () {
        sending = false;
        video.dataset.beats = String(Number(video.dataset.beats || 0) + 1);
      });
  }

  function start() {
    if (timer === null) timer = window.setInterval(beat, INTERVAL_MS);
    beat();
  }

  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    beat();
  }

  video.addEventListener("play", start);
  video.addEventListener("pause", stop);
  video.addEventListener("ended", stop);
  video.addEventListener("seeked", function () {
    if (!video.paused) beat();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && !video.paused) beat();
  });
  resume.addEventListener("click", function () {
    video.currentTime = Math.max(0, watched - 1);
    video.play();
  });
})();
