// The print button of the printable pages (no inline script: the CSP allows only files).
document.querySelectorAll('[data-print]').forEach(function (button) {
  button.addEventListener('click', function () { window.print(); });
});
