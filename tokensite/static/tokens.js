// Copy the new token: the clipboard API where the page may use it, else select the text.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("new-token");
  const button = document.getElementById("copy-token");
  if (!field || !button) return;
  field.addEventListener("focus", () => field.select());
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Press Ctrl+C to copy";
    }
  });
});
