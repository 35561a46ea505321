// Stage moves: show the reason field when a stage needs one, and drag and drop on the pipeline board.
// Everything here is an enhancement: the forms on the cards and the briefing work without it.
(function () {
  "use strict";

  function requiresReason(select) {
    var option = select.options[select.selectedIndex];
    return !!(option && option.hasAttribute("data-requires-reason"));
  }

  // --- reason field ------------------------------------------------------------------------------
  function syncReason(form) {
    var select = form.querySelector("select[name='stage_id']");
    var wrapper = form.querySelector("[data-stage-reason]");
    if (!select || !wrapper) {
      return;
    }
    var textarea = wrapper.querySelector("textarea");
    var keep = requiresReason(select) || (textarea && textarea.value.trim() !== "") ||
      (textarea && textarea.getAttribute("aria-invalid") === "true");
    // No "required" attribute: the server answers with a German message at the field.
    wrapper.hidden = !keep;
  }

  function initStageForms() {
    document.querySelectorAll("form[data-stage-form]").forEach(function (form) {
      syncReason(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "stage_id") {
          syncReason(form);
        }
      });
    });
  }

  // --- drag and drop -----------------------------------------------------------------------------
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function text(name, values) {
    var template = document.getElementById("pipeline-texts");
    var message = (template && template.getAttribute("data-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) {
      message = message.split("{" + key + "}").join(values[key]);
    });
    return message;
  }

  function announce(message) {
    var status = document.getElementById("pipeline-status");
    var error = document.getElementById("pipeline-error");
    if (error) {
      error.classList.add("d-none");
    }
    if (status) {
      status.textContent = message;
    }
  }

  function showError(message) {
    var error = document.getElementById("pipeline-error");
    if (!error) {
      return;
    }
    error.textContent = message;
    error.classList.remove("d-none");
    error.focus();
  }

  function adjustCount(column, delta) {
    var count = column.querySelector("[data-count]");
    if (count) {
      count.textContent = String(Math.max(0, parseInt(count.textContent, 10) + delta));
    }
    var empty = column.querySelector("[data-empty]");
    var cards = column.querySelectorAll(".pipeline-card").length;
    if (empty) {
      empty.hidden = cards > 0;
    }
  }

  function askReason(card, column) {
    var dialog = document.getElementById("pipeline-reason-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.prompt(text("need-reason", {name: card.dataset.employerName, stage: column.dataset.stageName})));
    }
    var input = dialog.querySelector("textarea");
    var error = dialog.querySelector("[data-dialog-error]");
    dialog.querySelector("[data-dialog-text]").textContent =
      text("need-reason", {name: card.dataset.employerName, stage: column.dataset.stageName});
    input.value = "";
    error.textContent = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "ok" ? input.value : null);
      });
      dialog.showModal();
      input.focus();
    });
  }

  function move(card, column, reason) {
    var body = new FormData();
    body.append("stage_id", column.dataset.stageId);
    body.append("reason", reason || "");
    body.append("csrf_token", csrfToken());
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json", "X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.json().catch(function () {
        return {ok: false, message: text("failed")};
      });
    }).then(function (result) {
      if (!result.ok) {
        showError(result.message || text("failed"));
        return;
      }
      var source = card.closest(".pipeline-column");
      column.querySelector("[data-dropzone]").appendChild(card);
      var select = card.querySelector("select[name='stage_id']");
      if (select) {
        select.value = column.dataset.stageId;
      }
      var duration = card.querySelector("[data-duration]");
      if (duration && result.duration) {
        duration.textContent = result.duration;
      }
      adjustCount(source, -1);
      adjustCount(column, 1);
      announce(result.message || text("moved", {name: card.dataset.employerName, stage: column.dataset.stageName}));
    }).catch(function () {
      showError(text("failed"));
    });
  }

  function initBoard() {
    var board = document.querySelector("[data-pipeline]");
    if (!board) {
      return;
    }
    var dragged = null;

    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".pipeline-card[draggable='true']");
      if (!card) {
        return;
      }
      dragged = card;
      card.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.employerId);
    });

    board.addEventListener("dragend", function () {
      if (dragged) {
        dragged.classList.remove("is-dragging");
      }
      dragged = null;
      board.querySelectorAll(".is-drop-target").forEach(function (el) {
        el.classList.remove("is-drop-target");
      });
    });

    board.addEventListener("dragover", function (event) {
      var column = event.target.closest && event.target.closest(".pipeline-column");
      if (!dragged || !column) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".is-drop-target").forEach(function (el) {
        if (el !== column) {
          el.classList.remove("is-drop-target");
        }
      });
      column.classList.add("is-drop-target");
    });

    board.addEventListener("drop", function (event) {
      var column = event.target.closest && event.target.closest(".pipeline-column");
      var card = dragged;
      if (!card || !column) {
        return;
      }
      event.preventDefault();
      column.classList.remove("is-drop-target");
      if (card.closest(".pipeline-column") === column) {
        return;
      }
      if (column.hasAttribute("data-requires-reason")) {
        askReason(card, column).then(function (reason) {
          if (reason !== null && reason !== undefined) {
            move(card, column, reason);
          }
        });
      } else {
        move(card, column, "");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initStageForms();
    initBoard();
  });
})();
