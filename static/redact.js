// Moderation: a passage selected in the text is copied into the next empty
// "passage to remove" field, and its reason is focused. Without JavaScript the
// moderator copies the passage into the field by hand: the form is the same.
// Listening on the document, it also works on an item loaded in place by htmx.
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
  function inText(event) {
    var text = document.getElementById("texte");
    return text && event.target instanceof Node && text.contains(event.target);
  }
  document.addEventListener("mouseup", function (event) {
    if (inText(event)) { copySelection(); }
  });
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey && inText(event)) { copySelection(); }
  });
})();
