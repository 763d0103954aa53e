/* Community forum: similar answers while a question is typed, live replies on an open topic,
 * and votes without a reload. Every page works without this script; it only saves reloads.
 *
 * Live replies: the server pushes only ids and numbers to the topic's room; the page then
 * fetches the posts as HTML rendered for its own reader (language, time zone, buttons). */
(function () {
  "use strict";

  var Portico = window.Portico || {};
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), textarea, select";

  /* A vote count shown on the page, with the topic version it was read at: an answer that
   * arrives late (an older version) never overwrites a newer count. */
  function setCount(counter, count, version) {
    if (!counter) { return; }
    var current = parseInt(counter.getAttribute("data-version") || "0", 10);
    if (typeof version === "number" && version < current) { return; }
    counter.textContent = String(count);
    if (typeof version === "number") { counter.setAttribute("data-version", String(version)); }
  }

  function getHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; });
  }

  /* Asking: articles and solved topics that may already answer the title being typed. */
  function similarAnswers(box) {
    var input = document.getElementById(box.getAttribute("data-similar-for"));
    var list = box.querySelector("[data-similar-list]");
    var hint = box.querySelector("[data-similar-hint]");
    var endpoint = box.getAttribute("data-similar-url");
    if (!input || !list || !endpoint) { return; }

    function render(results) {
      list.textContent = "";
      results.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(link);
        if (item.label) {
          var badge = document.createElement("span");
          badge.className = "badge" + (item.kind === "topic" ? " badge-ok" : " badge-staff");
          badge.textContent = item.label;
          li.appendChild(badge);
        }
        list.appendChild(li);
      });
      if (hint) { hint.hidden = results.length > 0; }
    }

    if (!Portico.watchQuery) { return; }
    var lookup = Portico.watchQuery(input, endpoint, render, { minLength: 3, wait: 250 });
    if (input.value.trim()) { lookup(); }
  }

  /* Writing: the post as readers will see it, sanitised by the server, as the text changes. */
  function preview(box) {
    var input = document.getElementById(box.getAttribute("data-preview-for"));
    var target = box.querySelector("[data-preview-body]");
    var endpoint = box.getAttribute("data-preview-url");
    if (!input || !target || !endpoint || !window.fetch) { return; }
    var latest = 0;

    function refresh() {
      var ticket = ++latest;
      if (!input.value.trim()) { box.hidden = true; target.textContent = ""; return; }
      var token = Portico.csrfToken ? Portico.csrfToken() : "";
      var body = new FormData();
      body.append("csrf_token", token);
      body.append("body", input.value);
      fetch(endpoint, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { Accept: "application/json", "X-CSRFToken": token }
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (ticket !== latest) { return; }
          if (typeof data.html === "string") {
            target.innerHTML = data.html;  // sanitised by the server, as the post will be
          } else if (data.error) {
            target.textContent = data.error.message;
          }
          box.hidden = false;
        })
        .catch(function () { /* the preview is a courtesy; posting still works */ });
    }

    var debounce = Portico.debounce || function (fn) { return fn; };
    input.addEventListener("input", debounce(refresh, 300));
    if (input.value.trim()) { refresh(); }
  }

  /* A topic page: join its room, fetch new and changed posts as they come. */
  function liveTopic(root) {
    var topicId = parseInt(root.getAttribute("data-forum-topic"), 10);
    var postsUrl = root.getAttribute("data-posts-url");
    var page = parseInt(root.getAttribute("data-page") || "1", 10);
    var perPage = parseInt(root.getAttribute("data-per-page") || "20", 10);
    var container = root.querySelector("[data-posts]");
    var status = root.querySelector("[data-live-status]");
    var notice = root.querySelector("[data-live-notice]");
    var indicator = root.querySelector("[data-live-indicator]");
    var lastNumber = parseInt(root.getAttribute("data-last-number") || "0", 10);
    // Posts are paged by number: this page holds numbers up to pageEnd. renderedHighest is the
    // topic's highest number when the page was rendered, so later pages are not "new".
    var pageEnd = page * perPage;
    var renderedHighest = parseInt(root.getAttribute("data-highest") || "0", 10);
    var moderator = root.hasAttribute("data-moderator");
    // The topic's version this page reflects: each push moves it. A (re)connection that finds
    // the topic further on means changes were made while the page was not listening.
    var knownVersion = parseInt(root.getAttribute("data-version") || "0", 10);
    var highestKnown = renderedHighest;  // the highest post number this page has heard of
    var fetching = false;
    var wanted = 0;
    // A watcher who sees replies arrive here is not emailed about them: the page says so once
    // they are on screen while the tab is visible (or as soon as it becomes visible).
    var seenUrl = root.getAttribute("data-seen-url");
    var seenSent = lastNumber;

    function reportSeen() {
      if (!seenUrl || lastNumber <= seenSent || document.visibilityState !== "visible") { return; }
      seenSent = lastNumber;
      var body = new FormData();
      body.append("number", String(lastNumber));
      fetch(seenUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": Portico.csrfToken ? Portico.csrfToken() : "" },
        body: body
      }).catch(function () { seenSent = 0; /* the next reply tries again */ });
    }
    document.addEventListener("visibilitychange", reportSeen);

    function announce(text) { if (status && text) { status.textContent = text; } }

    function heard(event) {
      if (event && typeof event.version === "number") { knownVersion = Math.max(knownVersion, event.version); }
    }

    function offerReload() {
      showNotice(root.getAttribute("data-text-changed") || "This topic has changed.",
        window.location.pathname + window.location.search,
        root.getAttribute("data-text-reload") || "Reload");
    }

    function showNotice(text, href, label) {
      if (!notice) { return; }
      notice.textContent = text + " ";
      var link = document.createElement("a");
      link.href = href;
      link.textContent = label;
      notice.appendChild(link);
      notice.hidden = false;
      announce(text);  // a region that was hidden is not always read out when it appears
    }

    function parse(html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      if (window.Portico && window.Portico.refreshTimes) { window.Portico.refreshTimes(holder); }
      return Array.prototype.slice.call(holder.querySelectorAll("article.forum-post"));
    }

    function catchUp() {
      if (fetching || !container) { return; }
      if (lastNumber >= Math.min(wanted, pageEnd)) { noticeOfLaterPages(); return; }
      fetching = true;
      var before = lastNumber;
      var wantedBefore = wanted;
      getHtml(postsUrl + "?after=" + lastNumber).then(function (html) {
        if (html === null) { return; }
        parse(html).forEach(function (post) {
          var number = parseInt(post.getAttribute("data-number"), 10);
          if (number <= lastNumber || number > pageEnd) { return; }
          if (container.querySelector('article[data-number="' + number + '"]')) { return; }
          post.classList.add("is-fresh");
          container.appendChild(post);
          lastNumber = number;
          var author = post.querySelector(".forum-post-author a");
          announce(post.getAttribute("aria-label") || (author ? author.textContent : ""));
        });
        root.setAttribute("data-last-number", String(lastNumber));
        reportSeen();
      }).catch(function () { /* the next push, or a reload, brings it */ }).then(function () {
        fetching = false;
        // Go on while fetching brings posts or a push came meanwhile: a failed or empty answer
        // waits for the next push (or the reconnect's "watching") instead of asking at once.
        if (lastNumber > before || wanted > wantedBefore) { catchUp(); } else { noticeOfLaterPages(); }
      });
    }

    function noticeOfLaterPages() {
      if (wanted <= Math.max(pageEnd, renderedHighest)) { return; }
      showNotice(root.getAttribute("data-text-new") || "New replies were posted.",
        root.getAttribute("data-topic-url") + "?page=" + Math.ceil(wanted / perPage) + "#post-" + wanted,
        root.getAttribute("data-text-see") || "See them");
    }

    function focusIndex(node) {
      var active = document.activeElement;
      if (!active || !node.contains(active)) { return -1; }
      return Array.prototype.indexOf.call(node.querySelectorAll(FOCUSABLE), active);
    }

    function shownCopies(postId) {
      return container ? container.querySelectorAll('article[data-post-id="' + postId + '"]') : [];
    }

    var refreshes = {};  // post id -> the latest refresh asked for; older answers are dropped

    function refreshPost(postId) {
      if (!shownCopies(postId).length) { return; }
      var ticket = (refreshes[postId] || 0) + 1;
      refreshes[postId] = ticket;
      getHtml(postsUrl + "?post=" + postId).then(function (html) {
        if (html === null || refreshes[postId] !== ticket) { return; }
        var fresh = parse(html)[0];
        if (!fresh) { return; }
        // Looked up now, not when the push came: an earlier answer may have replaced them.
        shownCopies(postId).forEach(function (node) {
          var copy = fresh.cloneNode(true);
          if (!node.id) { copy.removeAttribute("id"); }
          var focused = focusIndex(node);
          var shownCount = node.querySelector("[data-vote-count]");
          if (shownCount) {  // a count pushed after this copy was read stays
            setCount(copy.querySelector("[data-vote-count]"), shownCount.textContent,
              parseInt(shownCount.getAttribute("data-version") || "0", 10));
          }
          node.replaceWith(copy);
          if (focused >= 0) {  // keep the reader's place: the same control in the new copy
            var target = copy.querySelectorAll(FOCUSABLE)[focused];
            if (target) { target.focus(); }
          }
        });
      }).catch(function () { /* a reload shows it */ });
    }

    if (typeof window.io !== "function") { return; }
    var socket = window.io("/forum", { auth: { topic: topicId } });
    socket.on("connect", function () { if (indicator) { indicator.hidden = false; } });
    socket.on("disconnect", function () { if (indicator) { indicator.hidden = true; } });
    socket.on("watching", function (state) {
      if (!state || state.topic !== topicId) { return; }
      if (typeof state.version === "number" && state.version > knownVersion) {
        // New replies explain a newer version, and are fetched below; without any, something
        // else changed while the page was not listening (an edit, a hide, an answer).
        if (state.last_number > highestKnown) { heard(state); } else { offerReload(); }
      }
      highestKnown = Math.max(highestKnown, state.last_number);
      wanted = Math.max(wanted, state.last_number);
      catchUp();
    });
    socket.on("post_created", function (event) {
      if (event && event.topic === topicId) {
        heard(event);
        highestKnown = Math.max(highestKnown, event.number);
        wanted = Math.max(wanted, event.number);
        catchUp();
      }
    });
    socket.on("post_changed", function (event) {
      if (event && event.topic === topicId) { heard(event); refreshPost(event.post); }
    });
    socket.on("post_voted", function (event) {
      if (!event || event.topic !== topicId || typeof event.count !== "number") { return; }
      heard(event);
      shownCopies(event.post).forEach(function (node) {
        node.querySelectorAll("[data-vote-count]").forEach(function (counter) {
          setCount(counter, event.count, event.version);
        });
      });
    });
    socket.on("topic_changed", function (event) {
      if (event && event.topic === topicId) { heard(event); offerReload(); }
    });
    socket.on("connect_error", function () {
      // Refused on reconnecting: the topic may have been hidden while the page was offline.
      if (socket.active === false) { offerReload(); }
    });
    socket.on("topic_gone", function (event) {
      if (event && event.topic === topicId && moderator) {  // moderators still see it
        offerReload();
      } else if (event && event.topic === topicId) {
        showNotice(root.getAttribute("data-text-gone") || "This topic is no longer available.",
          root.getAttribute("data-forum-url") || "/forum/",
          root.getAttribute("data-text-back") || "Back to the forum");
      }
    });
  }

  /* Votes: send the form in the background and show the new count. */
  function votes(root) {
    root.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute || !form.hasAttribute("data-vote") || !window.fetch) { return; }
      event.preventDefault();
      var up = form.querySelector('input[name="up"]');
      var button = form.querySelector("button");
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": Portico.csrfToken ? Portico.csrfToken() : "" },
        body: new FormData(form)
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        setCount(form.querySelector("[data-vote-count]"), data.count, data.version);
        button.setAttribute("aria-pressed", data.voted ? "true" : "false");
        var title = button.getAttribute(data.voted ? "data-title-voted" : "data-title-unvoted");
        if (title) { button.title = title; }
        up.value = data.voted ? "0" : "1";
      }).catch(function () { form.submit(); });
    });
  }

  document.querySelectorAll("[data-similar]").forEach(similarAnswers);
  document.querySelectorAll("[data-preview]").forEach(preview);
  document.querySelectorAll("[data-forum-topic]").forEach(function (root) {
    liveTopic(root);
    votes(root);
  });
})();
