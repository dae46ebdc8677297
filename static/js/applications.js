// Live word count for fields with a word limit (the lay summary). The field carries the server's word
// pattern (applications.sections.WORD_PATTERN), so the page counts as the submission check does.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-word-limit]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-word-limit"), 10);
    var pattern = new RegExp(area.getAttribute("data-word-pattern"), "gu");
    function count(text) {
      var words = text.normalize("NFC").match(pattern);
      return words ? words.length : 0;
    }
    var note = document.createElement("p");
    note.className = "form-text word-count";
    note.id = area.id + "-word-count";
    note.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", note);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    function update() {
      var n = count(area.value);
      note.textContent = n + " of " + limit + " words";
      note.classList.toggle("text-danger", n > limit);
    }
    area.addEventListener("input", update);
    update();
  });
})();
