// Every page's small comforts; each page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // On a phone the menu is one row that scrolls sideways: show the current page's link.
  const menu = document.getElementById("main-menu");
  const here = menu && menu.querySelector('[aria-current="page"]');
  if (here && menu.scrollWidth > menu.clientWidth) {
    menu.scrollLeft = here.offsetLeft - menu.offsetLeft - 16;
  }
  // A message after a redirect (a token deleted, a password changed) takes the focus, so that
  // the focus does not start on <body>; a page's own script may move it on (tokens.js).
  const flash = document.getElementById("flash");
  if (flash) flash.focus();
});
