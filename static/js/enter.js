// The document entry form: add and remove task rows.
(function () {
  var rows = document.getElementById('task-rows');
  if (!rows) { return; }
  var next = rows.querySelectorAll('.task-row').length;
  function renumber() {
    rows.querySelectorAll('.task-no').forEach(function (el, i) { el.textContent = i + 1; });
  }
  document.getElementById('add-task').addEventListener('click', function () {
    var html = document.getElementById('task-template').innerHTML.replace(/tasks-999-/g, 'tasks-' + next + '-');
    next += 1;
    rows.insertAdjacentHTML('beforeend', html);
    renumber();
  });
  rows.addEventListener('click', function (e) {
    if (e.target.classList.contains('remove-task') && rows.querySelectorAll('.task-row').length > 1) {
      e.target.closest('.task-row').remove();
      renumber();
    }
  });
})();
