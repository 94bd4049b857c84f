// A <select data-autosubmit> sends its form when changed (a listener here: the portal's CSP runs no inline handler).
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
