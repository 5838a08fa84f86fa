/* Curation Assistant keys: "." next warning, "," previous. They press the
   panel's buttons, so keys and clicks share one code path; typing in a text
   field is left alone. */
(function () {
  "use strict";
  var KEYS = {".": "curation-next", ",": "curation-prev"};
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName) ||
      (t.tagName === "INPUT" && !/^(radio|checkbox|button|range)$/.test(t.type)));
    if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var button = KEYS[e.key] && document.getElementById(KEYS[e.key]);
    if (button && !button.disabled) {
      e.preventDefault();
      button.click();
    }
  });
})();
