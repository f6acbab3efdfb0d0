// The collection grid: "tick all" ticks every unpaid member.
document.addEventListener("change", (event) => {
  if (event.target.id !== "tick-all") return;
  document.querySelectorAll("#collect-grid .tick").forEach((box) => {
    box.checked = event.target.checked;
  });
});
