/* Support, the customer's side: answers that may already help while the subject is typed,
 * and a request page that shows new messages by itself while it is open.
 *
 * Every page works without this script. Suggestions come from the forum's lookup
 * (/forum/similar); each link goes through /support/deflect, which counts it for the form.
 * The live page hears only a number and a version on the /support namespace, then fetches
 * the new messages as HTML through the same checks as the page (never an internal note). */
(function () {
  "use strict";

  var Portico = window.Portico || {};

  /* Writing: articles and solved topics like the subject being typed. */
  function suggestions(box) {
    var input = document.getElementById(box.getAttribute("data-similar-for"));
    var topic = document.getElementById(box.getAttribute("data-topic-for"));
    var list = box.querySelector("[data-similar-list]");
    var hint = box.querySelector("[data-similar-hint]");
    var endpoint = box.getAttribute("data-similar-url");
    var deflect = box.getAttribute("data-deflect-url");
    var key = box.getAttribute("data-form-key") || "";
    var shown = [];
    if (!input || !list || !endpoint || !deflect || !Portico.watchQuery) { return; }

    function counted(url) {
      var address = deflect + "?key=" + encodeURIComponent(key) + "&url=" + encodeURIComponent(url);
      if (topic && topic.value) { address += "&topic=" + encodeURIComponent(topic.value); }
      return address;
    }

    function render(results) {
      shown = results;
      list.textContent = "";
      results.forEach(function (item) {
        if (!item || typeof item.url !== "string" || item.url.charAt(0) !== "/") { return; }
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = counted(item.url);
        link.textContent = item.title;
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(link);
        if (item.label) {
          var badge = document.createElement("span");
          badge.className = "badge" + (item.kind === "topic" ? " badge-ok" : " badge-staff");
          badge.textContent = item.label;
          li.appendChild(document.createTextNode(" "));
          li.appendChild(badge);
        }
        list.appendChild(li);
      });
      if (hint) { hint.hidden = list.children.length > 0; }
    }

    var lookup = Portico.watchQuery(input, endpoint, render, { minLength: 3, wait: 250 });
    if (topic) { topic.addEventListener("change", function () { render(shown); }); }
    if (input.value.trim()) { lookup(); }
  }

  /* Reading: new messages appear while the request is open. */
  function liveRequest(root) {
    var number = root.getAttribute("data-number");
    var url = root.getAttribute("data-messages-url");
    var list = root.querySelector("[data-messages]");
    var notice = root.querySelector("[data-live-notice]");
    var status = root.querySelector("[data-live-status]");
    var pageStatus = root.getAttribute("data-status");
    var knownVersion = parseInt(root.getAttribute("data-version") || "0", 10);
    var fetching = false;
    var again = false;
    if (!number || !url || !list || typeof window.io !== "function" || !window.fetch) { return; }

    function lastId() {
      var items = list.querySelectorAll("li[data-id]");
      return items.length ? parseInt(items[items.length - 1].getAttribute("data-id"), 10) : 0;
    }

    function offerReload() {
      if (!notice || !notice.hidden) { return; }
      notice.textContent = (root.getAttribute("data-text-changed") || "This request has changed.") + " ";
      var link = document.createElement("a");
      link.href = window.location.pathname;
      link.textContent = root.getAttribute("data-text-reload") || "Reload";
      notice.appendChild(link);
      notice.hidden = false;
      if (status) { status.textContent = notice.textContent; }
    }

    function catchUp() {
      if (fetching) { again = true; return; }
      fetching = true;
      fetch(url + "?after=" + lastId(), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          var holder = document.createElement("ol");
          holder.innerHTML = html;
          Array.prototype.slice.call(holder.querySelectorAll("li[data-id]")).forEach(function (item) {
            var id = item.getAttribute("data-id");
            if (list.querySelector('li[data-id="' + id + '"]')) { return; }
            item.classList.add("is-fresh");
            list.appendChild(item);
            if (status && item.classList.contains("sup-msg-agent")) {
              status.textContent = root.getAttribute("data-text-new") || "New message";
            }
          });
        })
        .catch(function () { /* a reload shows it */ })
        .then(function () {
          fetching = false;
          if (again) { again = false; catchUp(); }
        });
    }

    var socket = window.io("/support", { withCredentials: true });
    socket.on("connect", function () {
      socket.emit("join_request", { number: number });
      catchUp();  // what came while the page was not listening
    });
    function heard(event) {
      if (!event || String(event.number) !== number) { return; }
      if (typeof event.version === "number") {
        if (event.version <= knownVersion) { return; }
        knownVersion = event.version;
      }
      catchUp();
      if (event.status && event.status !== pageStatus) { offerReload(); }
    }

    socket.on("request_changed", heard);
    socket.on("watching", heard);  // the state when (re)joining: changes made meanwhile
  }

  document.querySelectorAll("[data-sup-similar]").forEach(suggestions);
  document.querySelectorAll("[data-sup-live]").forEach(liveRequest);
})();
