/* The agents' support pages, live. Without this script (or without the Socket.IO client)
 * every form still posts and every page still reloads to show what changed.
 *
 * Inbox: hears `inbox_changed` in the agent's own room, refreshes the views' counts and the
 * navigation badge, and offers to refresh the list. Request page: joins the request's room,
 * fetches new messages on `request_changed` (through the same permission checks as the
 * page), says who else is looking or typing (`presence`; the server adds the name from the
 * session), sends the answer and note forms in the background, inserts canned replies and
 * knowledge-base links into the answer. The server chooses every room; the script only names
 * the request shown on the page, and the server checks it. */
(function () {
  "use strict";

  var inboxRoot = document.querySelector("[data-support-inbox]");
  var workRoot = document.querySelector("[data-support-request]");
  var root = inboxRoot || workRoot;
  if (!root) { return; }

  function text(name, fallback) {
    return root.getAttribute("data-text-" + name) || fallback || "";
  }

  function fill(template, name) {
    return (template || "").replace("{name}", name);
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      });
  }

  function postForm(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: data
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function showNotice(message, linkText) {
    var notice = root.querySelector("[data-live-notice]");
    if (!notice) { return; }
    notice.textContent = message + " ";
    var link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = linkText;
    notice.appendChild(link);
    notice.hidden = false;
  }

  /* ------------------------------------------------------------ counts and the badge */
  function setBadge(count) {
    document.querySelectorAll('[data-badge="support"] [data-badge-count]').forEach(function (node) {
      node.textContent = String(count);
      node.hidden = !count;
    });
  }

  var countsUrl = root.getAttribute("data-counts-url");
  var refreshCounts = (window.Portico && Portico.debounce ? Portico.debounce : function (fn) { return fn; })(function () {
    if (!countsUrl) { return; }
    getJson(countsUrl).then(function (counts) {
      Object.keys(counts).forEach(function (view) {
        root.querySelectorAll('[data-view-count="' + view + '"]').forEach(function (node) {
          node.textContent = String(counts[view]);
        });
      });
      if (typeof counts.badge === "number") { setBadge(counts.badge); }
    }).catch(function () { /* the next change or a reload shows them */ });
  }, 400);

  if (typeof window.io !== "function") {
    if (workRoot) { composing(null); }
    return;
  }
  var socket = window.io(root.getAttribute("data-namespace") || "/support", { withCredentials: true });

  socket.on("inbox_changed", function () {
    refreshCounts();
    if (inboxRoot) { showNotice(text("changed"), text("refresh")); }
  });

  if (inboxRoot) {
    socket.on("connect", function () { socket.emit("join_inbox"); });
    return;
  }

  /* ------------------------------------------------------------ the request page */
  var number = workRoot.getAttribute("data-number");
  var version = parseInt(workRoot.getAttribute("data-version"), 10) || 0;
  var status = workRoot.getAttribute("data-status");
  var lastMessage = parseInt(workRoot.getAttribute("data-last-message"), 10) || 0;
  var lastEvent = parseInt(workRoot.getAttribute("data-last-event"), 10) || 0;
  var entries = workRoot.querySelector("[data-entries]");
  var messagesUrl = workRoot.getAttribute("data-messages-url");
  var fetching = null;
  var again = false;

  function catchUp() {
    if (fetching) { again = true; return fetching; }
    var url = messagesUrl + "?after=" + lastMessage + "&events_after=" + lastEvent;
    fetching = getJson(url).then(function (data) {
      var holder = document.createElement("ol");
      holder.innerHTML = data.html;  // rendered by the server from sanitised HTML
      Array.prototype.slice.call(holder.children).forEach(function (item) {
        var id = item.id && document.getElementById(item.id);
        if (!id) { entries.appendChild(item); }
      });
      lastMessage = Math.max(lastMessage, data.last_message || 0);
      lastEvent = Math.max(lastEvent, data.last_event || 0);
      if (data.status && data.status !== status) { showNotice(text("changed"), text("reload")); }
      version = Math.max(version, data.version || 0);
    }).catch(function () { /* a reload shows them */ }).then(function () {
      fetching = null;
      if (again) { again = false; catchUp(); }
    });
    return fetching;
  }

  socket.on("connect", function () {
    if (workRoot.getAttribute("data-agent") === "1") { socket.emit("join_inbox"); }
    socket.emit("join_request", { number: number }, function (answer) {
      if (answer && answer.ok && answer.version > version) { catchUp(); }
      announce("viewing");
    });
  });
  socket.on("request_changed", function (event) {
    if (event && event.number === number && event.version > version) { catchUp(); }
  });

  /* Presence: who else has this request open, and who is typing. */
  var others = {};
  var presenceLine = workRoot.querySelector("[data-presence]");
  var myState = "viewing";

  function announce(state) {
    myState = state;
    if (socket.connected) { socket.emit("presence", { number: number, state: state }); }
  }

  function renderPresence() {
    var now = Date.now();
    var lines = [];
    Object.keys(others).forEach(function (key) {
      var person = others[key];
      if (now - person.at > 70000) { delete others[key]; return; }
      lines.push(fill(text(person.state === "typing" ? "typing" : "viewing"), person.name));
    });
    presenceLine.textContent = lines.join(" · ");
    presenceLine.hidden = lines.length === 0;
  }

  socket.on("presence", function (event) {
    if (!event || event.number !== number || typeof event.user !== "number") { return; }
    var known = Object.prototype.hasOwnProperty.call(others, event.user);
    if (event.state === "left") {
      delete others[event.user];
    } else {
      others[event.user] = { name: String(event.name || ""), state: event.state, at: Date.now() };
      if (!known) { announce(myState); }  // the newcomer learns we are here too
    }
    renderPresence();
  });
  window.setInterval(function () { announce(myState); renderPresence(); }, 30000);
  window.addEventListener("pagehide", function () { announce("left"); });

  composing(function (state) { if (state !== myState) { announce(state); } }, catchUp);

  /* ------------------------------------------------------------ writing */
  function composing(onTyping, afterSend) {
    var reply = workRoot.querySelector("[data-reply-form]");
    var note = workRoot.querySelector("[data-note-form]");
    var answerBox = reply && reply.querySelector("textarea");

    function insertText(box, addition) {
      var start = box.selectionStart || 0;
      var end = box.selectionEnd || 0;
      var before = box.value.slice(0, start);
      var spacer = before && !/\s$/.test(before) ? " " : "";
      box.value = before + spacer + addition + box.value.slice(end);
      var caret = (before + spacer + addition).length;
      box.focus();
      box.setSelectionRange(caret, caret);
    }

    [reply, note].forEach(function (form) {
      if (!form) { return; }
      var box = form.querySelector("textarea");
      var idle = null;
      if (onTyping && box) {
        var typing = window.Portico && Portico.debounce ? Portico.debounce(function () { onTyping("typing"); }, 250) : function () {};
        box.addEventListener("input", function () {
          typing();
          window.clearTimeout(idle);
          idle = window.setTimeout(function () { onTyping("viewing"); }, 5000);
        });
      }
      if (!onTyping) { return; }  // without a live page, forms post and the page reloads
      form.addEventListener("submit", function (event) {
        if (event.submitter && event.submitter.hasAttribute("data-canned-insert")) { return; }
        event.preventDefault();
        sendInBackground(form, box, afterSend);
      });
    });

    var insert = reply && reply.querySelector("[data-canned-insert]");
    if (insert && answerBox) {
      insert.addEventListener("click", function (event) {
        var choice = reply.querySelector('select[name="canned"]');
        if (!choice || !choice.value) { return; }
        event.preventDefault();
        var data = new FormData();
        data.append("csrf_token", reply.querySelector('input[name="csrf_token"]').value);
        data.append("canned", choice.value);
        postForm(workRoot.getAttribute("data-canned-url"), data).then(function (result) {
          if (result.status === 200 && result.body && typeof result.body.text === "string") {
            insertText(answerBox, result.body.text);
            choice.value = "";
          } else { reply.submit(); }
        }).catch(function () { /* the button still works without the script */ });
      });
    }

    var kb = reply && reply.querySelector("[data-kb-link]");
    if (kb && answerBox && window.Portico && Portico.watchQuery) {
      var input = kb.querySelector("input");
      var list = kb.querySelector("[data-kb-results]");
      var base = workRoot.getAttribute("data-base-url") || window.location.origin;
      kb.hidden = false;
      Portico.watchQuery(input, workRoot.getAttribute("data-kb-suggest-url"), function (results) {
        list.textContent = "";
        results.forEach(function (item) {
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button button-quiet button-small";
          button.textContent = item.title;
          button.addEventListener("click", function () {
            var title = String(item.title).replace(/([\\\[\]])/g, "\\$1");
            insertText(answerBox, "[" + title + "](" + new URL(item.url, base).href + ")");
            list.textContent = "";
            input.value = "";
          });
          li.appendChild(button);
          list.appendChild(li);
        });
      });
    }
  }

  function sendInBackground(form, box, afterSend) {
    var button = form.querySelector('button[type="submit"]:not([data-canned-insert])');
    var error = form.querySelector("[data-send-error]");
    if (!error) {
      error = document.createElement("p");
      error.className = "error";
      error.setAttribute("role", "alert");
      error.setAttribute("data-send-error", "");
      form.appendChild(error);
    }
    error.hidden = true;
    if (button) { button.disabled = true; }
    postForm(form.action, new FormData(form)).then(function (result) {
      if (result.status === 200 && result.body && result.body.ok) {
        form.reset();
        if (result.body.status !== status) { window.location.reload(); return; }
        version = Math.max(version, result.body.version || 0);
        if (afterSend) { afterSend(); }
        if (box) { box.focus(); }
        return;
      }
      var problem = result.body && result.body.error;
      error.textContent = problem && problem.message ? problem.message : text("failed");
      error.hidden = false;
    }).catch(function () {
      error.textContent = text("failed");
      error.hidden = false;
    }).then(function () { if (button) { button.disabled = false; } });
  }
})();
