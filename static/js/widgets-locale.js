// Flask-Admin's widgets in the user's language; their own defaults are English.
// * Date pickers (bootstrap-daterangepicker): month and day names, first day of the week and
//   button words from data-datepicker (cddh/views/formatting.py:datepicker_locale). Pickers
//   are created by Flask-Admin's form.js when the page is ready; this runs before it.
// * Select2 3.5 boxes (unit pickers, reference fields): "no matches", "searching"… from
//   data-select2 ({n} stands for a number).
(function () {
  var script = document.currentScript;
  var $ = window.jQuery;
  if (!script || !$) { return; }

  function read(name) {
    try { return JSON.parse(script.getAttribute(name)); } catch (e) { return null; }
  }

  var words = read('data-select2');
  if (words && $.fn.select2 && $.fn.select2.defaults) {
    var count = function (text, n) { return String(text).replace('{n}', n); };
    $.extend($.fn.select2.defaults, {
      formatNoMatches: function () { return words.noMatches; },
      formatSearching: function () { return words.searching; },
      formatLoadMore: function () { return words.loadMore; },
      formatAjaxError: function () { return words.ajaxError; },
      formatInputTooShort: function (input, min) { return count(words.inputTooShort, min - input.length); },
      formatInputTooLong: function (input, max) { return count(words.inputTooLong, input.length - max); },
      formatSelectionTooBig: function (limit) { return count(words.selectionTooBig, limit); },
      formatMatches: function (matches) { return count(words.matches, matches); }
    });
  }

  var picker = read('data-datepicker');
  if (picker) {
    $(function () {
      var original = $.fn.daterangepicker;
      if (!original || original.cddhLocalised) { return; }
      var localised = function (options, callback) {
        options = $.extend(true, {}, options || {});
        options.locale = $.extend({}, picker, options.locale || {});
        return original.call(this, options, callback);
      };
      localised.cddhLocalised = true;
      $.fn.daterangepicker = localised;
    });
  }
})();
