// Moderation: a passage selected in the text is copied into the next empty
// "passage to remove" field, and its reason is focused. Without JavaScript the
// moderator copies the passage into the field by hand: the form is the same.
(function () {
  "use strict";
  function nextEmpty() {
    var fields = document.querySelectorAll("#retraits textarea[name^='passage_']");
    for (var i = 0; i < fields.length; i += 1) {
      if (!fields[i].value) { return fields[i]; }
    }
    return null;
  }
  function copySelection() {
    var text = document.getElementById("texte");
    var selection = window.getSelection();
    if (!text || !selection || selection.isCollapsed) { return; }
    if (!text.contains(selection.anchorNode) || !text.contains(selection.focusNode)) { return; }
    var quote = selection.toString();
    var field = nextEmpty();
    if (!quote.trim() || !field) { return; }
    field.value = quote;
    var reason = document.getElementById(field.id.replace("passage_", "reason_"));
    if (reason) { reason.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var text = document.getElementById("texte");
    if (!text) { return; }
    text.addEventListener("mouseup", copySelection);
    text.addEventListener("keyup", function (event) {
      if (event.shiftKey) { copySelection(); }
    });
  });
})();
