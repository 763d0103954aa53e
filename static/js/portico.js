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

  /* Suggestions in a list under a text input (see watchQuery). */
  function suggest(input, endpoint, options) {
    options = options || {};
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.id = input.id + "-suggestions";
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    (options.container || input.parentNode).appendChild(list);

    function render(results) {
      list.textContent = "";
      results.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        if (item.label) {
          var badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = item.label;
          link.appendChild(document.createTextNode(" "));
          link.appendChild(badge);
        }
        li.appendChild(link);
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      if (options.onResults) { options.onResults(results); }
    }

    watchQuery(input, endpoint, render, options);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { list.hidden = true; }
      if (event.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("a");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
    document.addEventListener("click", function (event) {
      if (event.target !== input && !list.contains(event.target)) { list.hidden = true; }
    });
    return list;
  }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var endpoint = input.getAttribute("data-suggest");
    if (endpoint) { suggest(input, endpoint); }
  });

  window.Portico = { csrfToken: csrfToken, suggest: suggest, watchQuery: watchQuery, debounce: debounce };
})();
