// The token manager's behaviour; the page works without it, this only makes it pleasanter.
"use strict";

// A new or regenerated token: the field takes the focus (selected for Ctrl+C), a Copy button
// appears beside it, and the address bar shows the manager's own URL, so that a reload
// fetches the list and never sends the POST again.
function setUpNewToken() {
  const card = document.getElementById("new-token-card");
  const field = document.getElementById("new-token");
  const status = document.getElementById("copy-status");
  if (!card || !field) return;
  const say = (text) => { if (status) status.textContent = text; };
  const button = document.createElement("button");
  button.type = "button";
  button.id = "copy-token";
  button.textContent = "Copy";
  button.setAttribute("aria-controls", "new-token");
  field.insertAdjacentElement("afterend", button);
  say("Press Copy, or Ctrl+C (\u2318C on a Mac): the token is selected.");
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
  if (card.dataset.returnUrl && window.location.pathname !== card.dataset.returnUrl) {
    history.replaceState(null, "", card.dataset.returnUrl);
  }
  field.focus();
}

// Escape closes the open confirmation (a <details>) the focus is in, and returns to its summary.
function closeOnEscape() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = event.target.closest && event.target.closest("details[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
    event.preventDefault();
  });
}

// The date a chosen lifetime ends, live under the select; the server wrote each option's
// sentence (data-result), so no date arithmetic happens here.
function showExpiryResult() {
  const select = document.getElementById("expires_in_days");
  const result = document.getElementById("expiry-result");
  const date = document.getElementById("expires_on");
  if (!select || !result) return;
  const update = () => {
    if (date && date.value) {
      result.textContent = `The token will expire at the end of ${date.value} (UTC); the choice above is ignored.`;
      result.classList.remove("warning-text");
      return;
    }
    const option = select.selectedOptions[0];
    result.textContent = option.dataset.result || "";
    result.classList.toggle("warning-text", option.hasAttribute("data-warning"));
  };
  select.addEventListener("change", update);
  if (date) date.addEventListener("input", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  closeOnEscape();
  showExpiryResult();
  setUpNewToken();
});
