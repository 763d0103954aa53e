/* Portico's shared behaviour. Pages work without it; it only adds conveniences.
 * Features use window.Portico.csrfToken() for fetch() POSTs, and Portico.suggest() or
 * Portico.watchQuery() for search-as-you-type. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Forms that destroy something ask first: <form data-confirm="Delete this?">
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Click a secret to select it for copying.
  document.querySelectorAll("[data-copy]").forEach(function (node) {
    node.addEventListener("click", function () {
      var range = document.createRange();
      range.selectNodeContents(node);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    });
  });

  /* The phone menu: the button says whether it is open (aria-expanded, which the CSS reads);
   * Escape or a click elsewhere closes it. Open <details> drop-downs close the same way. */
  function closeMenus(except) {
    document.querySelectorAll("[data-menu-toggle][aria-expanded='true']").forEach(function (button) {
      if (button !== except) { button.setAttribute("aria-expanded", "false"); }
    });
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (details) {
      if (!except || !details.contains(except)) { details.open = false; }
    });
  }
  document.querySelectorAll("[data-menu-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      closeMenus(button);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("[data-menu-toggle], #site-menu, details[data-dropdown]");
    if (!inside) { closeMenus(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var toggle = document.querySelector("[data-menu-toggle][aria-expanded='true']");
    var details = document.querySelector("details[data-dropdown][open]");
    closeMenus(null);
    if (details && details.contains(document.activeElement)) { details.querySelector("summary").focus(); }
    else if (toggle) { toggle.focus(); }
  });

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  /* Answers for what is typed in `input`, from a JSON endpoint that answers
   * {"results": [{"title": ..., "url": ..., "label": ...}]}: `onResults(results)` is called
   * with the answer to the latest text only ([] when the text is too short). */
  function watchQuery(input, endpoint, onResults, options) {
    options = options || {};
    var latest = 0;
    var lookup = debounce(function () {
      var ticket = ++latest;  // answers to earlier text are stale from here on
      var query = input.value.trim();
      // One Chinese character is already a word (退, 票); Latin text waits for a few letters.
      var longEnough = /[\u3400-\u9fff\uf900-\ufaff]/.test(query) ||
        query.length >= (options.minLength || 2);
      if (!longEnough) { onResults([]); return; }
      var url = endpoint + (endpoint.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (ticket === latest) { onResults(data.results || []); } })
        .catch(function () { if (ticket === latest) { onResults([]); } });
    }, options.wait || 150);
    input.addEventListener("input", lookup);
    return lookup;
  }

  /* Suggestions under a text input (see watchQuery), as a WAI-ARIA combobox: the input keeps
   * the focus while ArrowDown/ArrowUp move through every suggestion (aria-activedescendant),
   * Enter opens the active one, Escape closes the list. Each option is the link itself
   * (<a role="option">), so a click, a middle click or "open in new tab" still work. */
  function suggest(input, endpoint, options) {
    options = options || {};
    var list = document.createElement("div");
    var items = [];
    var active = -1;
    list.className = "suggestions";
    list.hidden = true;
    list.id = (input.id || "search") + "-suggestions";
    list.setAttribute("role", "listbox");
    var label = input.labels && input.labels[0];
    list.setAttribute("aria-label", label ? label.textContent.trim() : input.getAttribute("placeholder") || "");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    (options.container || input.parentNode).appendChild(list);

    function activate(index) {
      active = index;
      items.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
      input.setAttribute("aria-activedescendant", items[index].id);
      if (items[index].scrollIntoView) { items[index].scrollIntoView({ block: "nearest" }); }
    }

    function open(show) {
      list.hidden = !show;
      input.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) { activate(-1); }
    }

    function option(item, index) {
      var link = document.createElement("a");
      link.id = list.id + "-" + index;
      link.href = item.url;
      link.tabIndex = -1;
      link.setAttribute("role", "option");
      link.setAttribute("aria-selected", "false");
      link.textContent = item.title;
      if (item.label) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = item.label;
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      }
      link.addEventListener("mousemove", function () { if (active !== index) { activate(index); } });
      return link;
    }

    function render(results) {
      list.textContent = "";
      items = results.map(option);
      items.forEach(function (link) { list.appendChild(link); });
      open(items.length > 0 && document.activeElement === input);
      if (options.onResults) { options.onResults(results); }
    }

    watchQuery(input, endpoint, render, options);
    input.addEventListener("keydown", function (event) {
      var count = items.length;
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && count) {
        event.preventDefault();
        if (list.hidden) { open(true); }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var start = active < 0 ? (step > 0 ? -1 : count) : active;
        activate((start + step + count) % count);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(items[active].href);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();  // close the list, keep the text (a search box would clear it)
        event.stopPropagation();
        open(false);
      }
    });
    input.addEventListener("input", function () { activate(-1); });
    input.addEventListener("focus", function () { if (items.length) { open(true); } });
    // A click on an option must not blur the input first (the list would close under it).
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    document.addEventListener("click", function (event) {
      if (event.target !== input && !list.contains(event.target)) { open(false); }
    });
    input.addEventListener("blur", function () { open(false); });
    return list;
  }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var endpoint = input.getAttribute("data-suggest");
    if (endpoint) { suggest(input, endpoint); }
  });

  /* Relative times (<time datetime="…" data-ago>) stay true while a page is open, and in
   * pieces of pages the server keeps for a minute: the browser says "3 minutes ago" in the
   * page's language and puts the date and time, in the reader's own zone, in the title. */
  var pageLanguage = document.documentElement.lang || "en";
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
    ["hour", 3600], ["minute", 60]];
  function relativeText(when, now) {
    var seconds = Math.round((when - now) / 1000);
    if (Math.abs(seconds) < 60) { return /^zh/.test(pageLanguage) ? "刚刚" : "just now"; }
    var format = new Intl.RelativeTimeFormat(pageLanguage, { numeric: "auto" });
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] || i === UNITS.length - 1) {
        return format.format(Math.trunc(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return "";
  }
  function refreshTimes(root) {
    if (!window.Intl || !Intl.RelativeTimeFormat) { return; }
    var now = Date.now();
    var full = new Intl.DateTimeFormat(pageLanguage, { dateStyle: "medium", timeStyle: "short" });
    (root || document).querySelectorAll("time[data-ago][datetime]").forEach(function (node) {
      var when = Date.parse(node.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      node.textContent = relativeText(when, now);
      node.title = full.format(new Date(when));
    });
  }
  refreshTimes(document);
  window.setInterval(function () { refreshTimes(document); }, 30000);

  /* The browser's time zone, remembered in a cookie so that the next pages show a visitor's
   * times in their own zone (a member's come from their profile); until then a time carries its
   * zone's name. A form field marked data-browser-zone starts at this zone. */
  var browserZone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (browserZone) {
    var knownZone = (document.cookie.match(/(?:^|; )portico_tz=([^;]*)/) || [])[1];
    if (knownZone !== browserZone && /^[A-Za-z0-9_+\-\/]{1,64}$/.test(browserZone)) {
      document.cookie = "portico_tz=" + browserZone +
        "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
      document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
        if (select.querySelector('option[value="' + browserZone + '"]')) { select.value = browserZone; }
      });
    }
  }

  /* A member's navigation badges stay true on every page: the server says when a count moved
   * (Socket.IO namespace /me, the member's own room) and the page asks for its counts. */
  function liveBadges() {
    var url = document.body.getAttribute("data-badges-url");
    if (!url || typeof window.io !== "function" || !window.fetch) { return; }
    var refresh = debounce(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.badges) { return; }
          Object.keys(data.badges).forEach(function (key) {
            var count = data.badges[key];
            document.querySelectorAll('[data-badge="' + key + '"] [data-badge-count]').forEach(function (node) {
              node.textContent = String(count);
              node.hidden = !count;
            });
          });
        })
        .catch(function () { /* the next change, or a reload, shows them */ });
    }, 250);
    var socket = window.io("/me", { withCredentials: true });
    var connectedBefore = false;
    socket.on("badges", refresh);
    socket.on("connect", function () {
      if (connectedBefore) { refresh(); }  // back after a break: counts may have moved meanwhile
      connectedBefore = true;
    });
  }
  liveBadges();

  window.Portico = {
    csrfToken: csrfToken, suggest: suggest, watchQuery: watchQuery, debounce: debounce,
    refreshTimes: refreshTimes
  };
})();
