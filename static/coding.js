// The coding screen's keyboard shortcuts, passage highlighting, definitions shown in place and
// the flag on two codes of a "choose one at most" category; and, on the assignment page, the
// progress kept up to date. Everything here has a form or a link behind it; the pages work
// without this script, only faster with it.
(function () {
  "use strict";
  var form = document.getElementById("codes-form");
  var answer = document.getElementById("answer-text");

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "checkbox" && target.type !== "radio");
  }

  function submitWith(action) {
    if (!form) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "action";
    input.value = action;
    form.appendChild(input);
    form.submit();
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) window.location.href = link.href;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "n") { follow("next-link"); event.preventDefault(); return; }
    if (key === "p") { follow("prev-link"); event.preventDefault(); return; }
    if (key === "u") { follow("uncoded-link"); event.preventDefault(); return; }
    if (key === "d") { submitWith("done"); event.preventDefault(); return; }
    if (!form) return;
    var boxes = form.querySelectorAll("input[data-shortcut]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-shortcut").toLowerCase() === key.toLowerCase()) {
        var box = boxes[i];
        box.checked = !box.checked;
        // Within a "choose one at most" category, ticking a code unticks its siblings.
        var group = box.getAttribute("data-group");
        if (box.checked && group) {
          form.querySelectorAll("input[data-group]").forEach(function (other) {
            if (other !== box && other.getAttribute("data-group") === group) other.checked = false;
          });
        }
        event.preventDefault();
        // Save and stay: a code key is one step of coding this answer.
        submitWith("apply");
        return;
      }
    }
  });

  // Two ticked codes of a category that allows one at most are flagged at once; the server
  // refuses them too when the form is sent.
  var warning = document.getElementById("exclusive-warning");
  function flagExclusive() {
    if (!form || !warning) return;
    var ticked = {};
    form.querySelectorAll("input[data-group]").forEach(function (box) {
      var group = box.getAttribute("data-group");
      if (box.checked) ticked[group] = (ticked[group] || 0) + 1;
    });
    var clash = null;
    form.querySelectorAll("input[data-group]").forEach(function (box) {
      var group = box.getAttribute("data-group");
      var bad = box.checked && ticked[group] > 1;
      if (bad) {
        box.setAttribute("aria-invalid", "true");
        box.setAttribute("aria-describedby", "exclusive-warning");
        clash = clash || group;
      } else {
        box.removeAttribute("aria-invalid");
        box.removeAttribute("aria-describedby");
      }
      box.closest("li").classList.toggle("conflicting", bad);
    });
    warning.hidden = !clash;
    warning.textContent = clash ? "Only one code of “" + clash + "” may apply: untick all but one." : "";
  }
  if (form) form.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-group")) flagExclusive();
  });

  // Definitions: the page of the codebook version's definitions is fetched once (the browser
  // keeps it) and a code's definition is shown under it.
  var definitions = null;
  function definitionsPage() {
    if (!definitions) {
      definitions = fetch(form.getAttribute("data-definitions"), { credentials: "same-origin" })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
        .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
    }
    return definitions;
  }
  if (form) form.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.definition-link");
    if (!link) return;
    event.preventDefault();
    var item = link.closest("li");
    var shown = item.querySelector(".definition-shown");
    if (shown) {
      shown.remove();
      link.setAttribute("aria-expanded", "false");
      return;
    }
    definitionsPage().then(function (page) {
      var body = page.getElementById("def-" + link.getAttribute("data-code"));
      var text = body && body.querySelector(".definition-body");
      if (!text) { window.location.href = link.href; return; }
      var box = document.createElement("div");
      box.className = "definition-shown";
      box.appendChild(document.importNode(text, true));
      item.appendChild(box);
      link.setAttribute("aria-expanded", "true");
    }).catch(function () { window.location.href = link.href; });
  });

  // The assignment page while answers are being written: its progress, every two seconds.
  if (document.querySelector("#assignment-progress[data-running]")) {
    window.setTimeout(function () { window.location.reload(); }, 2000);
  }

  // Offsets are Unicode code points into the stored answer, as the server counts them.
  function codePoints(text) { return Array.from(text).length; }

  function offsetOf(node, offset) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
    while (element && element !== answer && !element.hasAttribute("data-start")) element = element.parentNode;
    if (!element || element === answer) {
      return node === answer ? (offset === 0 ? 0 : Number(answer.getAttribute("data-length"))) : null;
    }
    var start = Number(element.getAttribute("data-start"));
    if (node.nodeType !== Node.TEXT_NODE) return start + (offset > 0 ? codePoints(element.textContent) : 0);
    return start + codePoints(node.data.slice(0, offset));
  }

  if (answer) {
    var spanForm = document.getElementById("span-form");
    answer.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed || !spanForm) return;
      var range = selection.getRangeAt(0);
      if (!answer.contains(range.startContainer) || !answer.contains(range.endContainer)) return;
      var start = offsetOf(range.startContainer, range.startOffset);
      var end = offsetOf(range.endContainer, range.endOffset);
      if (start === null || end === null || end <= start) return;
      document.getElementById("span-start").value = start;
      document.getElementById("span-end").value = end;
      document.getElementById("span-preview").textContent = "“" + selection.toString() + "”";
      spanForm.hidden = false;
      document.getElementById("span-code").focus();
    });
  }
})();
