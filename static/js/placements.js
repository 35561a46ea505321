// Placement form: show the safety checklist and the funding section only for the kinds they apply to.
// Without JavaScript both sections stay visible; hidden fields keep their values.
document.addEventListener("DOMContentLoaded", () => {
  const kind = document.querySelector("select#placement_type");
  const safety = document.querySelector("[data-section='safety']");
  const funding = document.querySelector("[data-section='funding']");
  if (!kind || !safety || !funding) return;
  const funded = ["bfa", "bfau"];
  const noChecklist = ["bfa", "bfau", "regular"];
  const update = () => {
    const value = kind.value;
    funding.hidden = value !== "" && !funded.includes(value);
    safety.hidden = value !== "" && noChecklist.includes(value);
  };
  kind.addEventListener("change", update);
  update();
});
