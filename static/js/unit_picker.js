// Searchable unit pickers (issue 12 §3): every <select class="unit-picker"> becomes a Select2
// box (Flask-Admin's own copy, served by the app) that finds a unit by any word of its name
// typed without diacritics ("tai nguyen"), or by its code, short name or alias ("stnmt",
// "snv") kept in the options' data-search attribute. Flask-Admin's own select2 fields (the
// task form) use the same matcher. Rows added later (the entry form) are picked up too.
(function ($) {
  if (!$ || !$.fn || !$.fn.select2) { return; }

  function plain(text) {
    return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd').toLowerCase();
  }

  function matcher(term, text, option) {
    var words = plain(term).split(/\s+/).filter(Boolean);
    var extra = option && option.attr ? option.attr('data-search') : '';
    var haystack = plain(text + ' ' + (extra || ''));
    return words.every(function (w) { return haystack.indexOf(w) >= 0; });
  }
  window.cddhUnitMatcher = matcher;
  $.fn.select2.defaults.matcher = matcher;

  function enhance(root) {
    $(root).find('select.unit-picker').addBack('select.unit-picker').each(function () {
      var $el = $(this);
      if ($el.data('select2') || $el.closest('template').length) { return; }
      $el.select2({width: '100%', matcher: matcher,
                   placeholder: $el.attr('data-placeholder') || '',
                   allowClear: !$el.prop('multiple') && !$el.prop('required')});
    });
  }
  window.cddhUnitPickers = enhance;

  $(function () {
    enhance(document);
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        changes.forEach(function (change) {
          Array.prototype.forEach.call(change.addedNodes, function (node) {
            if (node.nodeType === 1) { enhance(node); }
          });
        });
      }).observe(document.body, {childList: true, subtree: true});
    }
  });
})(window.jQuery);
