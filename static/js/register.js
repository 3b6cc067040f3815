// 登记表单：逐行添加信访人；按证件号/电话/姓名查询既往事项，可一键并入（重复信访）。
(function () {
  "use strict";
  const add = document.getElementById("add-person");
  if (add) {
    add.addEventListener("click", function () {
      const next = document.querySelector(".person-row.hidden");
      if (next) { next.classList.remove("hidden"); } else { add.disabled = true; add.textContent = "已达上限"; }
    });
  }
  const panel = document.getElementById("history-panel");
  const list = document.getElementById("history-list");
  let timer = null;
  function lookup() {
    const first = document.querySelector('.person-row[data-index="0"]');
    if (!first) return;
    const value = (sel) => (first.querySelector(sel) || {}).value || "";
    const params = new URLSearchParams({
      id_number: value('input[name$="id_number"]'),
      phone: value('input[name$="phone"]'),
      name: value('input[name$="-name"]'),
    });
    if (!params.get("id_number") && !params.get("phone") && !params.get("name")) { panel.hidden = true; return; }
    fetch("/petitioners/history/?" + params.toString(), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => {
        list.innerHTML = "";
        const rows = data.results || [];
        panel.hidden = rows.length === 0;
        rows.forEach((row) => {
          const li = document.createElement("li");
          li.textContent = row.matter_number + "　" + row.title + "（" + row.status_label + "；" + row.matched_by.join("、") + "）";
          const btn = document.createElement("button");
          btn.type = "button"; btn.textContent = "并入"; btn.className = "small";
          btn.addEventListener("click", () => { document.getElementById("id_attach_to").value = row.matter_number; });
          li.appendChild(btn);
          list.appendChild(li);
        });
      })
      .catch(() => { panel.hidden = true; });
  }
  document.querySelectorAll('.person-row[data-index="0"] input').forEach((el) => {
    el.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 400); });
  });
})();
