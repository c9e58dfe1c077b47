// Flask-Admin's date pickers (bootstrap-daterangepicker) in the user's language: month and day
// names, first day of the week and button words come from the server (data-locale of this
// script, cddh/views/formatting.py:datepicker_locale); the picker's own defaults are English.
// Loaded before Flask-Admin's form.js, whose pickers are created when the page is ready.
(function () {
  var script = document.currentScript;
  var locale;
  try { locale = JSON.parse(script.getAttribute('data-locale')); } catch (e) { return; }
  if (!window.jQuery) { return; }
  window.jQuery(function ($) {
    var original = $.fn.daterangepicker;
    if (!original || original.cddhLocalised) { return; }
    var localised = function (options, callback) {
      options = $.extend(true, {}, options || {});
      options.locale = $.extend({}, locale, options.locale || {});
      return original.call(this, options, callback);
    };
    localised.cddhLocalised = true;
    $.fn.daterangepicker = localised;
  });
})();
