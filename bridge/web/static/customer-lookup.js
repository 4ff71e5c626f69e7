// The customer field of the activity form suggests customers by number or name while one
// types: the matches of the look-up (data-lookup, JSON) become the options of its datalist.
// Without this script the field takes a number, and the "find a customer" link searches.
document.querySelectorAll("input[data-lookup]").forEach((field) => {
  const options = document.getElementById(field.getAttribute("list"));
  if (!options) return;
  let waiting = null;
  let asked = "";
  field.addEventListener("input", () => {
    clearTimeout(waiting);
    waiting = setTimeout(async () => {
      const text = field.value.trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      try {
        const answer = await fetch(field.dataset.lookup + "?q=" + encodeURIComponent(text),
                                   {headers: {Accept: "application/json"}});
        if (!answer.ok) return;
        const found = await answer.json();
        options.replaceChildren(...found.map((customer) => {
          const option = document.createElement("option");
          option.value = customer.number;
          option.label = customer.name + (customer.city ? ", " + customer.city : "");
          return option;
        }));
      } catch (error) { /* the field still takes a number typed in full */ }
    }, 200);
  });
});
