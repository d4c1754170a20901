// The coding screen's keyboard shortcuts and passage highlighting. Everything here has a form
// or a link behind it; the page works without this script, only faster with it.
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
        submitWith("save");
        return;
      }
    }
  });

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
