// 登记回执: the print button. Shown only when this script runs (no inline script: CSP script-src 'self').
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
