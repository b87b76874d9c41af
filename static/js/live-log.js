// The task page's live log, beyond what htmx's SSE extension does by itself.
//
// 1. Resume point: the extension reconnects a stream that the server closed by opening
//    `sse-connect` again, which would replay the log from where the page started. After every
//    line we move `after=` in that URL to the line just shown, so a reconnect neither loses
//    nor repeats lines. (A browser-initiated retry sends Last-Event-ID, which the server
//    honours too.)
// 2. Following: the log keeps showing its newest line unless the reader scrolled up to read
//    an older one; scrolling back to the bottom follows again.
(function () {
  "use strict";

  function atBottom(log) {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    var log = evt.target;
    if (log && log.id === "log") {
      log.dataset.follow = atBottom(log) ? "yes" : "no";
    }
  });

  document.addEventListener("htmx:sseMessage", function (evt) {
    var target = evt.target;
    var detail = evt.detail || {};
    if (!target || target.id !== "log") {
      return;
    }
    var live = document.getElementById("live-log");
    var id = parseInt(detail.lastEventId, 10);
    if (live && id > 0) {
      live.dataset.lastId = String(id);
      var url = live.getAttribute("sse-connect");
      if (url) {
        live.setAttribute("sse-connect", url.replace(/([?&]after=)\d*/, "$1" + id));
      }
    }
    if (target.dataset.follow !== "no") {
      target.scrollTop = target.scrollHeight;
    }
  });
})();
