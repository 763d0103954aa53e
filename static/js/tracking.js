/* Live tracking pages: when a watched shipment changes, fetch its fresh fragment.
 * The server pushes only the number and its new version; the page then asks for HTML
 * rendered in its own language and time zone. Without Socket.IO the page still works by
 * reloading. */
(function () {
  "use strict";

  var root = document.querySelector("[data-tracking-live]");
  if (!root || typeof window.io !== "function") { return; }
  var numbers = (root.getAttribute("data-numbers") || "").split(/\s+/).filter(Boolean);
  if (!numbers.length) { return; }
  var fragmentUrl = root.getAttribute("data-fragment-url");
  var rowUrl = root.getAttribute("data-row-url");
  var announcer = document.querySelector("[data-live-status]");
  var pending = {};

  function announce(text) {
    if (announcer && text) { announcer.textContent = text; }
  }

  function currentVersion(number) {
    var node = fragmentUrl
      ? root.querySelector("[data-live-region]")
      : root.querySelector('tr[data-number="' + number + '"]');
    return node ? parseInt(node.getAttribute("data-version") || "0", 10) : 0;
  }

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; });
  }

  function replaceRegion(html) {
    var region = root.querySelector("[data-live-region]");
    if (!region) { return; }
    var known = {};
    region.querySelectorAll("[data-event-id]").forEach(function (node) {
      known[node.getAttribute("data-event-id")] = true;
    });
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("[data-live-region]");
    if (!fresh) { return; }
    region.replaceWith(fresh);
    fresh.querySelectorAll("[data-event-id]").forEach(function (node) {
      if (!known[node.getAttribute("data-event-id")]) { node.classList.add("trk-fresh"); }
    });
    announce(fresh.getAttribute("data-status-label"));
  }

  function replaceRow(number, html) {
    var row = root.querySelector('tr[data-number="' + number + '"]');
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var fresh = holder.querySelector("tr");
    if (row && fresh) {
      row.replaceWith(fresh);
      fresh.classList.add("trk-fresh");
      announce(number + ": " + fresh.querySelector(".trk-badge").textContent);
    }
  }

  function refresh(number, version) {
    if (version <= currentVersion(number) || pending[number] >= version) { return; }
    pending[number] = version;
    var url = fragmentUrl
      ? fragmentUrl + "?v=" + version
      : rowUrl.replace("NUMBER", encodeURIComponent(number)) + "?v=" + version;
    fetchHtml(url).then(function (html) {
      if (html === null) { return; }
      if (fragmentUrl) { replaceRegion(html); } else { replaceRow(number, html); }
    }).catch(function () { /* the next push, or a reload, brings it */ }).then(function () {
      delete pending[number];
    });
  }

  var indicator = document.querySelector("[data-live-indicator]");
  function setLive(on) {
    root.setAttribute("data-live", on ? "on" : "off");
    if (indicator) { indicator.hidden = !on; }
  }

  var socket = window.io("/tracking", { auth: { numbers: numbers } });
  socket.on("connect", function () { setLive(true); });
  socket.on("disconnect", function () { setLive(false); });
  socket.on("shipment_changed", function (change) {
    if (change && numbers.indexOf(change.number) !== -1) { refresh(change.number, change.version); }
  });
  socket.on("watching", function (state) {
    var versions = (state && state.versions) || {};
    Object.keys(versions).forEach(function (number) { refresh(number, versions[number]); });
  });
})();
