// jiceng web UI: the org tree toggles and the autocomplete pickers. No build step.
(function () {
  "use strict";

  // Org tree: a toggle loads the children once (hx-trigger="click once"), then shows/hides.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-tree-toggle]");
    if (toggle) {
      var target = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      if (target) { target.hidden = open; }
      return;
    }
    // Autocomplete: picking an option fills the hidden value and the visible text.
    var option = event.target.closest(".autocomplete-options [data-value]");
    if (option) {
      var box = option.closest("[data-autocomplete]");
      var hidden = box.querySelector("[data-autocomplete-value]");
      var search = box.querySelector("[data-autocomplete-search]");
      hidden.value = option.dataset.value;
      search.value = option.dataset.label;
      search.dataset.picked = option.dataset.label;
      box.querySelector(".autocomplete-options").innerHTML = "";
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    document.querySelectorAll(".autocomplete-options").forEach(function (list) {
      if (!list.parentElement.contains(event.target)) { list.innerHTML = ""; }
    });
  });

  // The search box of a picker is not a value of its form: its own "change" must not submit
  // a filter form (the hidden input announces the choice instead).
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autocomplete-search]")) { event.stopPropagation(); }
  }, true);

  // A search still pending from the typing that led to a pick is not wanted any more.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el.matches && el.matches("[data-autocomplete-search]") && document.activeElement !== el
        && el.dataset.picked === el.value) {
      event.preventDefault();
    }
  });

  // Typing a new text forgets the previous choice until an option is picked.
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-autocomplete-search]")) { return; }
    var hidden = event.target.closest("[data-autocomplete]").querySelector("[data-autocomplete-value]");
    if (hidden.value) {
      hidden.value = "";
      if (!event.target.value) { hidden.dispatchEvent(new Event("change", { bubbles: true })); }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.matches("[data-autocomplete-search]")) {
      event.target.closest("[data-autocomplete]").querySelector(".autocomplete-options").innerHTML = "";
    }
  });

  // Export links follow the list's filters after an HTMX search has changed the address bar
  // (in this file, not in an hx-on attribute: the Content-Security-Policy forbids inline code).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target.closest || !event.target.closest("[data-export-sync]")) { return; }
    document.querySelectorAll("[data-export-link]").forEach(function (a) {
      var q = new URLSearchParams(location.search);
      q.delete("page"); q.delete("per_page"); q.delete("unmask");
      if (a.hasAttribute("data-export-unmask")) { q.set("unmask", "1"); }
      a.search = q.toString();
    });
  });

  // Progress bars: the width comes from data-progress (no style attribute: CSP).
  function setProgress(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-progress]").forEach(function (bar) {
      bar.style.width = (parseInt(bar.getAttribute("data-progress"), 10) || 0) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setProgress(document); });
  document.addEventListener("htmx:load", function (event) { setProgress(event.target); });

  // An HTMX request refused for too many requests (429): say so above the page.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 429) { return; }
    var main = document.querySelector("main");
    if (!main || document.getElementById("rate-limited")) { return; }
    var alert = document.createElement("div");
    alert.id = "rate-limited";
    alert.className = "alert alert-warning";
    alert.setAttribute("role", "alert");
    alert.textContent = xhr.responseText;
    main.prepend(alert);
  });

  // Reveal forms (member page): show the reason box for one personal field.
  document.addEventListener("click", function (event) {
    var reveal = event.target.closest("[data-reveal-open]");
    if (!reveal) { return; }
    var form = document.getElementById(reveal.getAttribute("aria-controls"));
    if (form) {
      form.hidden = false;
      reveal.hidden = true;
      var input = form.querySelector("input[name=reason]");
      if (input) { input.focus(); }
    }
  });
})();
