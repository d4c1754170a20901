// The respondent pages' script. Everything here only spares a round trip: the server checks every
// page again when it is saved, and without this script the pages work as they always have.
// - Display logic at once: a question whose condition (`data-relevant`, compiled by the server,
//   evaluated here by the same rules as src/survey/logic) reads an answer on this page shows or
//   hides as that answer changes; a hidden question's inputs are disabled, so they are not sent.
//   The codes of the conditional questions shown go back in the `displayed` field, so that the
//   server does not show the page again to reveal them.
// - The "Other, please specify" box appears only while Other is chosen.
// - Ticking an exclusive choice ("None of these") unticks the others, and the other way round.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-form[method=post]");
  if (!form) return;
  var earlier = {};
  try {
    earlier = JSON.parse(form.getAttribute("data-values") || "{}");
  } catch (e) {
    earlier = {};
  }

  function block(code) {
    var found = document.getElementById("question-" + code);
    return found && form.contains(found) ? found : null;
  }

  function blank(text) {
    return String(text).trim() === "";
  }

  // The question's codes in the survey's order (its choices, or a matrix's rows).
  function codes(question) {
    return (question.getAttribute("data-codes") || "").split(" ").filter(Boolean);
  }

  // The text typed under Other, as it is sent (a disabled box is not).
  function otherText(question) {
    var input = question.querySelector(".other-text input");
    return input && !input.disabled ? input.value : "";
  }

  // The answer to a question of this page as display logic reads it (src/answer: logic_value).
  function answer(code) {
    var question = block(code);
    if (!question) return Object.prototype.hasOwnProperty.call(earlier, code) ? earlier[code] : "";
    if (question.hidden) return "";
    var name = "q." + code;
    var kind = question.getAttribute("data-kind");
    var order = codes(question);
    var position = function (c) {
      var i = order.indexOf(c);
      return i < 0 ? order.length : i;
    };
    var fields = Array.prototype.slice.call(question.querySelectorAll("input, select, textarea"));
    if (kind === "single_choice") {
      var chosen = fields.filter(function (f) {
        return f.name === name && (f.tagName === "SELECT" || f.checked) && f.value !== "";
      });
      if (chosen.length) return chosen[0].value;
      return blank(otherText(question)) ? "" : "other";
    }
    if (kind === "multiple_choice") {
      var ticked = fields.filter(function (f) {
        return f.name === name && f.checked && f.value !== "other";
      }).map(function (f) {
        return f.value;
      });
      ticked.sort(function (a, b) {
        return position(a) - position(b);
      });
      var other = fields.some(function (f) {
        return f.name === name && f.checked && f.value === "other";
      });
      if (other || !blank(otherText(question))) ticked.push("other");
      return ticked.join(" ");
    }
    if (kind === "matrix" || kind === "ranking") {
      var given = fields.filter(function (f) {
        return f.name.indexOf(name + ".") === 0 && (f.tagName === "SELECT" || f.checked) && f.value !== "";
      }).map(function (f) {
        return { code: f.name.slice(name.length + 1), rank: Number(f.value) };
      });
      given.sort(function (a, b) {
        return kind === "ranking" && a.rank !== b.rank ? a.rank - b.rank : position(a.code) - position(b.code);
      });
      return given.map(function (g) {
        return g.code;
      }).join(" ");
    }
    var field = fields.filter(function (f) {
      return f.name === name;
    })[0];
    return field && !blank(field.value) ? field.value : "";
  }

  // Numbers as the server reads them: `-3`, `12`, `4.5`, `.5`, `5.`; spaces around allowed.
  function parseNumber(text) {
    var trimmed = String(text).trim();
    var parts = /^-?(\d*)(?:\.(\d*))?$/.exec(trimmed);
    if (!parts || (parts[1] || "") + (parts[2] || "") === "") return null;
    var number = Number(trimmed);
    return isFinite(number) ? number : null;
  }

  function text(value) {
    return value.n !== undefined ? String(value.n) : value.t;
  }

  function asNumber(value) {
    if (value.n !== undefined) return isFinite(value.n) ? value.n : null;
    return parseNumber(value.t);
  }

  function words(value) {
    return text(value).split(/\s+/).filter(Boolean);
  }

  function truthy(value) {
    return value.n !== undefined ? value.n !== 0 : !blank(value.t);
  }

  function compare(op, left, right) {
    var l = asNumber(left);
    var r = asNumber(right);
    if (l !== null && r !== null) {
      return { "=": l === r, "!=": l !== r, "<": l < r, "<=": l <= r, ">": l > r, ">=": l >= r }[op];
    }
    if (op === "=") return text(left) === text(right);
    if (op === "!=") return text(left) !== text(right);
    return false;
  }

  function isCondition(e) {
    var op = e[0];
    if (op === "if") return isCondition(e[2]);
    return op === "cmp" || op === "selected" || op === "not" || op === "and" || op === "or";
  }

  function value(e) {
    switch (e[0]) {
      case "answer":
        return { t: answer(e[1]) };
      case "text":
      case "number":
        return { t: e[1] };
      case "count":
        return { n: words(value(e[1])).length };
      case "length":
        return { n: Array.from(text(value(e[1]))).length };
      case "if":
        if (!isCondition(e)) return isTrue(e[1]) ? value(e[2]) : value(e[3]);
        return { t: isTrue(e) ? "true" : "false" };
      default:
        return { t: isTrue(e) ? "true" : "false" };
    }
  }

  function isTrue(e) {
    switch (e[0]) {
      case "or":
        return e[1].some(isTrue);
      case "and":
        return e[1].every(isTrue);
      case "not":
        return !isTrue(e[1]);
      case "cmp":
        return compare(e[1], value(e[2]), value(e[3]));
      case "selected":
        var choice = text(value(e[2]));
        return words(value(e[1])).indexOf(choice) >= 0;
      case "number":
        return e[2] !== 0;
      case "if":
        return isTrue(e[1]) ? isTrue(e[2]) : isTrue(e[3]);
      default:
        return truthy(value(e));
    }
  }

  function setDisabled(question, disabled) {
    Array.prototype.forEach.call(question.querySelectorAll("input, select, textarea"), function (f) {
      f.disabled = disabled;
    });
  }

  var conditional = Array.prototype.slice.call(form.querySelectorAll(".question[data-relevant]")).map(function (q) {
    var condition = null;
    try {
      condition = JSON.parse(q.getAttribute("data-relevant"));
    } catch (e) {
      condition = null;
    }
    return { element: q, condition: condition };
  }).filter(function (c) {
    return c.condition !== null;
  });

  // Shows and hides until nothing changes: a hidden question's answer counts as none, and a
  // question may depend on one that depends on another.
  function applyLogic() {
    for (var round = 0; round <= conditional.length; round++) {
      var changed = false;
      conditional.forEach(function (c) {
        var show = isTrue(c.condition);
        if (show === c.element.hidden) {
          c.element.hidden = !show;
          changed = true;
        }
      });
      if (!changed) break;
    }
    conditional.forEach(function (c) {
      setDisabled(c.element, c.element.hidden);
    });
    var displayed = form.querySelector("input[name=displayed]");
    if (displayed) {
      displayed.value = conditional.filter(function (c) {
        return !c.element.hidden;
      }).map(function (c) {
        return c.element.getAttribute("data-code");
      }).join(" ");
    }
  }

  // The Other box shows while Other is chosen (or holds text); hidden, it is not sent.
  function applyOther() {
    Array.prototype.forEach.call(form.querySelectorAll(".question"), function (question) {
      var box = question.querySelector(".other-text");
      if (!box || question.hidden) return;
      var input = box.querySelector("input");
      var chosen = Array.prototype.some.call(question.querySelectorAll("input, select"), function (f) {
        return f !== input && f.value === "other" && (f.tagName === "SELECT" || f.checked);
      });
      box.hidden = !chosen;
      input.disabled = !chosen;
    });
  }

  function applyExclusive(target) {
    if (!target || target.type !== "checkbox" || !target.checked) return;
    var exclusive = target.hasAttribute("data-exclusive");
    Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox]"), function (box) {
      if (box !== target && box.name === target.name && (exclusive || box.hasAttribute("data-exclusive"))) {
        box.checked = false;
      }
    });
  }

  function update(event) {
    if (event) applyExclusive(event.target);
    applyLogic();
    applyOther();
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update(null);
})();
