// Links of Flask-Admin's list screens that its templates wire with inline handlers, which the
// Content-Security-Policy refuses (templates/admin/actions.html and model/layout.html carry
// data attributes instead).
document.addEventListener('click', function (event) {
  var action = event.target.closest('[data-model-action]');
  if (action) {
    event.preventDefault();
    if (window.modelActions) { window.modelActions.execute(action.getAttribute('data-model-action')); }
    return;
  }
  if (event.target.closest('a.filter')) { event.preventDefault(); }
});
