/* Ask before an irreversible step (issue 12 §2). A form with data-confirm="…" asks that
   question on submit; a form whose chosen radio carries data-confirm asks the radio's
   question instead (accept or reject). Served as a file: no inline script (CSP). */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || !form.getAttribute) { return; }
    var chosen = form.querySelector('input[type=radio][data-confirm]:checked');
    var question = chosen ? chosen.getAttribute('data-confirm') : form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
})();
