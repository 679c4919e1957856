// Copy the new token: the clipboard API where the page may use it, else select the text
// so that Ctrl+C / the long-press menu copies it.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("new-token");
  const button = document.getElementById("copy-token");
  const status = document.getElementById("copy-status");
  if (!field || !button) return;
  const say = (text) => { if (status) status.textContent = text; };
  field.addEventListener("focus", () => field.select());
  button.addEventListener("click", async () => {
    field.focus();
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
      say("The token is on your clipboard.");
    } catch (error) {
      say("Press Ctrl+C (or \u2318C) to copy the selected token.");
    }
  });
});
