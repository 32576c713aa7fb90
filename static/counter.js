// Characters left in each answer, shown beside it. Without JavaScript the hint
// "Jusqu'à 20 000 caractères" stays; the server checks the length either way.
document.addEventListener("DOMContentLoaded", () => {
  for (const area of document.querySelectorAll("textarea[data-counter]")) {
    const output = document.getElementById(area.dataset.counter);
    if (!output) continue;
    const template = output.dataset.template || "{n}";
    const show = () => {
      const left = area.maxLength - area.value.length;
      output.textContent = template.replace("{n}", left.toLocaleString(document.documentElement.lang));
    };
    area.addEventListener("input", show);
    show();
  }
});
