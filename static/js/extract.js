/* "Đọc từ văn bản" on the document entry form (issue 16).
 *
 * Sends the pasted text (or the chosen .docx/.pdf) and the issue date to the documents
 * screen's extract endpoint, then fills one task row per proposed task: content, lead unit,
 * cooperating units, deadline and update frequency, with the words each was read from.
 * Nothing is saved here: the specialist checks, corrects and presses Save. Every text from
 * the server is inserted with textContent (never as HTML). No inline script: CSP-ready.
 */
(function () {
  'use strict';
  var panel = document.getElementById('extract-panel');
  if (!panel) { return; }
  var form = document.getElementById('document-form');
  var rows = document.getElementById('task-rows');
  var status = document.getElementById('extract-status');

  function msg(name, values) {
    var text = panel.getAttribute('data-msg-' + name) || '';
    Object.keys(values || {}).forEach(function (key) {
      text = text.split('{' + key + '}').join(values[key]);
    });
    return text;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = 'small alert alert-' + kind;
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function isEmpty(row) {
    var content = field(row, 'content');
    var lead = field(row, 'lead_unit_id');
    return !row.hasAttribute('data-proposed') && content && !content.value.trim() &&
      lead && !lead.value;
  }

  function freeRow() {
    var all = rows.querySelectorAll('.task-row');
    for (var i = 0; i < all.length; i += 1) {
      if (isEmpty(all[i])) { return all[i]; }
    }
    document.getElementById('add-task').click();
    all = rows.querySelectorAll('.task-row');
    return all[all.length - 1];
  }

  function optionTexts(select) {
    var names = {};
    Array.prototype.forEach.call(select.options, function (o) { names[o.textContent.trim()] = o.value; });
    return names;
  }

  // The source words, with the deadline's words marked.
  function quote(task) {
    var block = document.createElement('blockquote');
    block.className = 'extract-source mb-1 pl-2 border-left';
    var source = task.source_text || '';
    var mark = task.deadline_text || '';
    var at = mark ? source.indexOf(mark) : -1;
    if (at < 0) {
      block.textContent = source;
      return block;
    }
    block.appendChild(document.createTextNode(source.slice(0, at)));
    var marked = document.createElement('mark');
    marked.className = 'extract-deadline';
    marked.textContent = mark;
    block.appendChild(marked);
    block.appendChild(document.createTextNode(source.slice(at + mark.length)));
    return block;
  }

  function note(box, text, css) {
    var p = document.createElement('div');
    p.className = css;
    p.textContent = text;
    box.appendChild(p);
    return p;
  }

  function fill(row, task) {
    row.setAttribute('data-proposed', '1');
    var old = row.querySelector('.extract-proposal');
    if (old) { old.remove(); }
    var box = document.createElement('div');
    box.className = 'extract-proposal alert alert-light border small';
    note(box, msg('source'), 'font-weight-bold');
    box.appendChild(quote(task));

    field(row, 'content').value = task.content || '';

    var lead = field(row, 'lead_unit_id');
    lead.value = task.lead_unit_id ? String(task.lead_unit_id) : '';
    lead.dispatchEvent(new Event('change'));  // a searchable picker shows the new choice
    if (!task.lead_unit_id) {
      lead.classList.add('is-invalid');
      if (task.lead_group) {
        note(box, msg('group', {name: task.lead_group}), 'text-warning extract-unmatched');
      } else if (task.lead_unit_name) {
        note(box, msg('unmatched', {name: task.lead_unit_name}), 'text-warning extract-unmatched');
      }
      lead.addEventListener('change', function () { lead.classList.remove('is-invalid'); },
                            {once: true});
    }

    var coop = field(row, 'cooperating_unit_ids');
    var wanted = (task.cooperating_unit_ids || []).map(String);
    Array.prototype.forEach.call(coop.options, function (o) {
      o.selected = wanted.indexOf(o.value) >= 0;
    });
    coop.dispatchEvent(new Event('change'));
    var known = optionTexts(coop);
    var missing = (task.cooperating_unit_names || []).filter(function (n) { return !(n in known); });
    if (missing.length) {
      note(box, msg('coop-unmatched', {names: missing.join('; ')}), 'text-warning');
    }

    var deadline = field(row, 'deadline');
    deadline.value = task.deadline || '';
    var kind = task.deadline ? 'with' : 'without';
    var radio = row.querySelector('input[type=radio][value="' + kind + '"]');
    if (radio) { radio.checked = true; }
    if (task.deadline_text) {
      note(box, msg('deadline') + ' “' + task.deadline_text + '”', 'extract-deadline-source');
    }
    var frequency = field(row, 'update_frequency');
    if (task.update_frequency && frequency) { frequency.value = task.update_frequency; }

    var legend = row.querySelector('legend');
    legend.parentNode.insertBefore(box, legend.nextSibling);
  }

  document.getElementById('extract-run').addEventListener('click', function () {
    var data = new FormData();
    data.append('csrf_token', form.querySelector('input[name=csrf_token]').value);
    data.append('issued_on', document.getElementById('issued_on').value);
    var file = document.getElementById('extract-file').files[0];
    if (file) {
      data.append('file', file);
    } else {
      data.append('text', document.getElementById('extract-text').value);
    }
    var button = this;
    button.disabled = true;
    fetch(panel.getAttribute('data-url'), {method: 'POST', body: data, credentials: 'same-origin',
                                            headers: {'Accept': 'application/json'}})
      .then(function (resp) {
        return resp.json().catch(function () { return {error: {message: msg('failed')}}; });
      })
      .then(function (body) {
        if (body.error) {
          say(body.error.message || msg('failed'), 'danger');
          return;
        }
        body.tasks.forEach(function (task) { fill(freeRow(), task); });
        say(body.tasks.length ? msg('read', {n: body.tasks.length}) : msg('none'),
            body.tasks.length ? 'info' : 'warning');
      })
      .catch(function () { say(msg('failed'), 'danger'); })
      .then(function () { button.disabled = false; });
  });
})();
