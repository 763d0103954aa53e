/* Knowledge base: "Was this helpful?" without leaving the page, and the editor's live
 * preview. Both pages work without it (the feedback buttons open a small form page; the
 * preview shows the last saved version). */
(function () {
  "use strict";

  function formBody(fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return body;
  }

  /* Cached pages carry no CSRF token: ask for one when the page has none. */
  function csrfToken(tokenUrl) {
    var token = window.Portico && window.Portico.csrfToken();
    if (token) { return Promise.resolve(token); }
    return fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error("token"); } return response.json(); })
      .then(function (data) { return data.csrf_token; });
  }

  function setUpFeedback(section) {
    var answerForm = section.querySelector(".kb-feedback-answer");
    var commentForm = section.querySelector(".kb-feedback-comment");
    var thanks = section.querySelector(".kb-feedback-thanks");
    var failure = section.querySelector(".kb-feedback-error");
    var url = section.getAttribute("data-feedback-url");
    var tokenUrl = section.getAttribute("data-token-url");

    function send(helpful, comment) {
      failure.hidden = true;
      return csrfToken(tokenUrl)
        .then(function (token) {
          return fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: { Accept: "application/json", "X-CSRFToken": token },
            body: formBody({ csrf_token: token, helpful: helpful, comment: comment || "" })
          });
        })
        .then(function (response) {
          if (!response.ok) { throw new Error("feedback " + response.status); }
          answerForm.hidden = true;
          commentForm.hidden = true;
          thanks.hidden = false;
          thanks.focus();
        })
        .catch(function () { failure.hidden = false; });
    }

    answerForm.addEventListener("click", function (event) {
      var button = event.target.closest("button[name='helpful']");
      if (!button) { return; }
      event.preventDefault();
      if (button.value === "yes") {
        send("yes");
      } else {
        answerForm.hidden = true;
        commentForm.hidden = false;
        commentForm.querySelector("textarea").focus();
      }
    });
    commentForm.addEventListener("submit", function (event) {
      event.preventDefault();
      send("no", commentForm.querySelector("textarea").value);
    });
    thanks.setAttribute("tabindex", "-1");
  }

  function setUpPreview(editor) {
    var textarea = editor.querySelector("textarea[name='body']");
    var target = editor.querySelector("#kb-preview-body");
    var hint = editor.querySelector(".kb-preview-hint");
    var url = editor.getAttribute("data-preview-url");
    if (!textarea || !target) { return; }
    var latest = 0;

    function refresh() {
      var ticket = ++latest;
      var token = window.Portico ? window.Portico.csrfToken() : "";
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token },
        body: formBody({ csrf_token: token, body: textarea.value })
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (ticket !== latest) { return; }
          if (data.html !== undefined) {
            // Sanitised by the server (community.markdown): the same HTML the article will show.
            target.innerHTML = data.html;
            if (hint) { hint.hidden = true; }
          } else if (data.error) {
            target.textContent = data.error.message;
          }
        })
        .catch(function () { /* keep the last preview */ });
    }

    var debounced = window.Portico ? window.Portico.debounce(refresh, 300) : refresh;
    textarea.addEventListener("input", debounced);
    refresh();
  }

  document.querySelectorAll(".kb-feedback[data-feedback-url]").forEach(setUpFeedback);
  document.querySelectorAll(".kb-editor[data-preview-url]").forEach(setUpPreview);
})();
