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

// Allowed but probably not meant, said before the form is sent (the server says it again after):
// a name one of the listed tokens has already, or no permission checked.
function noteWhileFilling() {
  const form = document.getElementById("create-token-form");
  const name = document.getElementById("token-name");
  const permissions = document.getElementById("token-permissions");
  if (!form || !name || !permissions) return;
  const taken = new Set(Array.from(document.querySelectorAll(".tokens .token-name"), (el) => el.textContent));
  const live = (after, id) => {
    const note = document.createElement("p");
    note.id = id;
    note.className = "hint live-note";
    note.setAttribute("role", "status");
    after.insertAdjacentElement("afterend", note);
    return note;
  };
  const nameNote = live(name, "token-name-note");
  const permissionsNote = live(permissions, "token-permissions-note");
  const update = () => {
    const value = name.value.trim();
    nameNote.textContent = taken.has(value)
      ? `You already have a token called \u201c${value}\u201d. That is allowed; a distinct name tells them apart.` : "";
    permissionsNote.textContent = permissions.querySelector("input:checked")
      ? "" : "No permission is checked: the token will be allowed nothing that needs one.";
  };
  name.addEventListener("input", update);
  permissions.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  noteWhileFilling();
  closeOnEscape();
  showExpiryResult();
  setUpNewToken();
});
