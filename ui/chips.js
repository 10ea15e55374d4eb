// A click on a citation chip anywhere on the page asks the server for that source: the chip's
// "turn:paragraph" value is handed over by a hidden button whose click event opens the source panel
// (see ui/app.py: CITE_JS reads window.assistantCite).
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const chip = target && target.closest("button.chip[value]");
  if (!chip) return;
  event.preventDefault();
  window.assistantCite = chip.value;
  const open = document.getElementById("cite-open");
  if (open) open.click();
});
