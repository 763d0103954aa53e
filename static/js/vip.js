/* The VIP club, live: messages appear without a reload, with typing, "Seen" and unread
 * counts; older history loads as the reader scrolls up. Without this script (or without the
 * Socket.IO client), the page still works: the form posts and the links page the history.
 * The server decides which conversations this connection hears about; the script only ever
 * names the conversation shown on the page, and the server checks it. */
(function () {
  "use strict";

  var chat = document.querySelector("[data-vip-chat]");
  var board = document.querySelector("[data-vip-dashboard]");
  if ((!chat && !board) || typeof window.io !== "function") {
    return;
  }

  var namespace = (chat || board).getAttribute("data-namespace") || "/vip";
  var socket = window.io(namespace, { withCredentials: true });

  function fill(template, name) {
    return (template || "").replace("{name}", name);
  }

  /* ---------------------------------------------------------------- dashboard */
  // Any message, read receipt, escalation or assignment can move a client's row, its order
  // and the totals: the page asks the server for the board again, rendered as on a load, so
  // every number on it agrees (a per-cell patch once showed "answered" beside "unread 1").
  if (board) {
    var announcer = document.querySelector("[data-vip-board-status]");
    var boardTicket = 0;
    var refreshBoard = (window.Portico && Portico.debounce ? Portico.debounce : function (fn) { return fn; })(function () {
      var ticket = ++boardTicket;
      fetch(window.location.pathname + window.location.search,
        { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || ticket !== boardTicket) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-vip-dashboard]");
          if (!fresh) { return; }
          var focused = document.activeElement && board.contains(document.activeElement) ?
            document.activeElement.getAttribute("href") : null;
          board.replaceWith(fresh);
          board = fresh;
          if (window.Portico && Portico.refreshTimes) { Portico.refreshTimes(board); }
          if (focused) {
            var again = board.querySelector('a[href="' + focused.replace(/"/g, "") + '"]');
            if (again) { again.focus(); }
          }
          if (announcer) { announcer.textContent = announcer.getAttribute("data-text-activity"); }
        })
        .catch(function () { /* the next change, or a reload, shows it */ });
    }, 300);
    ["new_message", "seen", "escalated", "assignment"].forEach(function (name) {
      socket.on(name, refreshBoard);
    });
    var boardConnected = false;
    socket.on("connect", function () {  // back after a break: changes made meanwhile
      if (boardConnected) { refreshBoard(); }
      boardConnected = true;
    });
  }

  if (!chat) { return; }

  /* ---------------------------------------------------------------- conversation */
  var conversationId = parseInt(chat.getAttribute("data-conversation"), 10);
  var staffView = chat.getAttribute("data-staff") === "1";
  var list = chat.querySelector("[data-messages]");
  var form = chat.querySelector("[data-compose]");
  var textarea = form.querySelector("textarea");
  var typingLine = chat.querySelector("[data-typing]");
  var announce = chat.querySelector("[data-announce]");
  var status = chat.querySelector("[data-live-status]");
  var olderLink = chat.querySelector("[data-older]");
  var historyUrl = chat.getAttribute("data-history-url");
  var hasMore = chat.getAttribute("data-has-more") === "1";
  var oldest = parseInt(chat.getAttribute("data-oldest"), 10) || null;
  var loadingOlder = false;
  var newestIncoming = 0;
  var lastReadSent = 0;
  var sequence = 0;

  var errorLine = document.createElement("p");
  errorLine.className = "error";
  errorLine.setAttribute("role", "alert");
  errorLine.hidden = true;
  textarea.parentNode.appendChild(errorLine);

  function isMine(message) {
    return staffView ? message.from_staff : !message.from_staff;
  }

  function nearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  function scrollToBottom() {
    list.scrollTop = list.scrollHeight;
  }

  // Live and scrolled-in messages in the zone the server used for the page's own (the
  // reader's profile zone), so one conversation never shows two clocks.
  var readerZone = chat.getAttribute("data-timezone") || undefined;

  function formatTime(iso) {
    var date = new Date(iso);
    try {
      return date.toLocaleString(document.documentElement.lang || undefined, {
        dateStyle: "short", timeStyle: "short", timeZone: readerZone
      });
    } catch (error) {
      return date.toLocaleString();
    }
  }

  function buildMessage(message) {
    var mine = isMine(message);
    var item = document.createElement("li");
    item.className = "vip-msg " + (message.from_staff ? "vip-msg-staff" : "vip-msg-client") +
      (mine ? " vip-msg-mine" : "");
    item.id = "m" + message.id;
    item.setAttribute("data-id", String(message.id));
    item.setAttribute("data-mine", mine ? "1" : "0");

    var meta = document.createElement("div");
    meta.className = "vip-msg-meta";
    var avatar = document.createElement("span");
    avatar.className = "avatar avatar-small";
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = message.author.initials;
    var name = document.createElement("strong");
    name.textContent = message.author.name;
    meta.appendChild(avatar);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(name);
    if (message.by_backup) {
      var badge = document.createElement("span");
      badge.className = "badge badge-staff";
      badge.textContent = chat.getAttribute("data-text-backup");
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(badge);
    }
    var time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    time.textContent = formatTime(message.created_at);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    item.appendChild(meta);

    var body = document.createElement("div");
    body.className = "prose vip-msg-body";
    body.innerHTML = message.html; // sanitised by the server when the message was saved
    item.appendChild(body);

    if (mine) {
      var seen = document.createElement("p");
      seen.className = "vip-seen";
      seen.setAttribute("data-seen", "");
      seen.textContent = chat.getAttribute("data-text-seen");
      seen.hidden = !message.read_at;
      item.appendChild(seen);
    }
    return item;
  }

  function dropPlaceholder() {
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
  }

  function showMessage(message) {
    if (document.getElementById("m" + message.id)) { return false; }
    var stick = nearBottom() || isMine(message);
    dropPlaceholder();
    list.appendChild(buildMessage(message));
    if (stick) { scrollToBottom(); }
    return true;
  }

  function markRead() {
    if (!socket.connected || document.visibilityState !== "visible") { return; }
    if (newestIncoming > lastReadSent) {
      lastReadSent = newestIncoming;
      socket.emit("read", { conversation: conversationId, up_to: newestIncoming });
    }
  }

  function setStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  socket.on("connect", function () {
    setStatus("");
    markRead();
  });
  socket.on("disconnect", function () { setStatus(chat.getAttribute("data-text-offline")); });
  socket.on("connect_error", function () { setStatus(chat.getAttribute("data-text-offline")); });

  socket.on("new_message", function (message) {
    if (!message || message.conversation !== conversationId) { return; }
    if (showMessage(message) && !isMine(message)) {
      announce.textContent = fill(chat.getAttribute("data-text-new"), message.author.name);
      typingLine.textContent = "";
    }
    if (!isMine(message)) {
      newestIncoming = Math.max(newestIncoming, message.id);
      markRead();
    }
  });

  socket.on("seen", function (data) {
    if (!data || data.conversation !== conversationId || data.by_staff === staffView) { return; }
    list.querySelectorAll('[data-mine="1"]').forEach(function (item) {
      if (parseInt(item.getAttribute("data-id"), 10) <= data.up_to) {
        var seen = item.querySelector("[data-seen]");
        if (seen) { seen.hidden = false; }
      }
    });
  });

  var typingTimer = null;
  socket.on("typing", function (data) {
    if (!data || data.conversation !== conversationId) { return; }
    window.clearTimeout(typingTimer);
    typingLine.textContent = data.typing ? fill(chat.getAttribute("data-text-typing"), data.name) : "";
    if (data.typing) {
      typingTimer = window.setTimeout(function () { typingLine.textContent = ""; }, 6000);
    }
  });

  socket.on("assignment", function (data) {
    if (data && data.conversation === conversationId) {
      setStatus(chat.getAttribute("data-text-assignment"));
    }
  });

  document.addEventListener("visibilitychange", markRead);

  /* Sending: through the socket when it is up, else the form posts as it would without JS. */
  var typingSince = 0;
  var stopTyping = window.Portico.debounce(function () {
    if (typingSince && socket.connected) {
      socket.emit("typing", { conversation: conversationId, typing: false });
    }
    typingSince = 0;
  }, 2500);

  textarea.addEventListener("input", function () {
    var now = Date.now();
    if (socket.connected && textarea.value.trim() && now - typingSince > 3000) {
      typingSince = now;
      socket.emit("typing", { conversation: conversationId, typing: true });
    }
    stopTyping();
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", function (event) {
    if (!socket.connected) { return; }
    event.preventDefault();
    var body = textarea.value;
    if (!body.trim()) { return; }
    errorLine.hidden = true;
    sequence += 1;
    var nonce = "n" + Date.now().toString(36) + "-" + sequence;
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    socket.timeout(10000).emit(
      "send", { conversation: conversationId, body: body, nonce: nonce },
      function (error, answer) {
        button.disabled = false;
        if (error || !answer) {
          errorLine.textContent = chat.getAttribute("data-text-failed");
          errorLine.hidden = false;
          return;
        }
        if (!answer.ok) {
          errorLine.textContent = answer.error.message;
          errorLine.hidden = false;
          return;
        }
        if (textarea.value === body) { textarea.value = ""; }
        typingSince = 0;
        showMessage(answer.message);
        scrollToBottom();
        textarea.focus();
      }
    );
  });

  /* Older history: scrolling near the top, or the "Show older messages" link. */
  function loadOlder() {
    if (loadingOlder || !hasMore || !oldest) { return; }
    loadingOlder = true;
    fetch(historyUrl + "?before=" + oldest, {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var before = list.scrollHeight;
        var anchor = list.firstChild;
        data.messages.forEach(function (message) {
          if (!document.getElementById("m" + message.id)) {
            list.insertBefore(buildMessage(message), anchor);
          }
        });
        list.scrollTop += list.scrollHeight - before;
        hasMore = data.has_more;
        oldest = data.messages.length ? data.messages[0].id : oldest;
        if (!hasMore && olderLink) { olderLink.parentNode.hidden = true; }
      })
      .catch(function () { setStatus(chat.getAttribute("data-text-older-failed")); })
      .then(function () { loadingOlder = false; });
  }

  if (olderLink) {
    olderLink.addEventListener("click", function (event) {
      event.preventDefault();
      loadOlder();
    });
  }
  list.addEventListener("scroll", function () {
    if (list.scrollTop < 60) { loadOlder(); }
  });

  list.querySelectorAll('[data-mine="0"]').forEach(function (item) {
    newestIncoming = Math.max(newestIncoming, parseInt(item.getAttribute("data-id"), 10) || 0);
  });
  lastReadSent = newestIncoming; // opening the page already marked these as read
  scrollToBottom();
})();
