/* Polls a payment until it settles (GET /api/v1/payments/{id}/ with the session), then shows the
   order. Without JavaScript the page's refresh link does the same by hand. */
(function () {
  "use strict";
  var el = document.querySelector("[data-poll-url]");
  if (!el) { return; }
  var pollUrl = el.getAttribute("data-poll-url");
  var doneUrl = el.getAttribute("data-done-url");
  var open = ["created", "pending"];
  var tries = 0;
  var maxTries = 150; // about five minutes at two seconds

  function settle(status) {
    el.setAttribute("data-status", status);
    if (status === "succeeded") {
      window.location.assign(doneUrl + "?paid=1");
    } else {
      window.location.reload(); // the server renders the settled state
    }
  }

  function poll() {
    tries += 1;
    fetch(pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status && open.indexOf(data.status) === -1) {
          settle(data.status);
        } else if (tries < maxTries) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        if (tries < maxTries) { window.setTimeout(poll, 4000); }
      });
  }

  window.setTimeout(poll, 1500);
})();
