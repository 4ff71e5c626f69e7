// On a new activity's form, the time zone follows the representative chosen (their time zone),
// until the user picks a time zone themselves.
document.querySelectorAll("select[data-zone-follows]").forEach((person) => {
  const zone = document.getElementById(person.dataset.zoneFollows);
  if (!zone) return;
  let picked = false;
  zone.addEventListener("change", () => { picked = true; });
  person.addEventListener("change", () => {
    const theirs = person.selectedOptions[0] && person.selectedOptions[0].dataset.timeZone;
    if (!picked && theirs) zone.value = theirs;
  });
});
