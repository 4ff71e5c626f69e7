// The "Copy" button of a new subscription address: copies the address to the clipboard and
// says so; where the Clipboard API is not at hand or refuses (a page not served over HTTPS, a
// browser that asks first), the address is selected to copy by hand and the status says how.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!field || !status) return;
  button.hidden = false;
  const say = (text) => { status.textContent = text; };
  const select = () => { field.focus(); field.select(); field.setSelectionRange(0, field.value.length); };
  const byHand = () => {
    select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    say(copied ? "Copied to the clipboard." :
        "The address is selected: copy it with Ctrl+C (⌘C on a Mac), or press and hold it on a phone.");
  };
  field.addEventListener("focus", select);
  button.addEventListener("click", () => {
    say("");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(() => {
        select();
        say("Copied to the clipboard.");
      }, byHand);
    } else {
      byHand();
    }
  });
});
