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

// 智能建议：输入标题/诉求/事实时（停顿0.6秒）请求分类、类型、涉法涉诉和判重建议；点击即可采纳。
(function () {
  "use strict";
  const panel = document.getElementById("suggest-panel");
  if (!panel) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const byId = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };
  let timer = null;
  function pick(button, onClick) { button.type = "button"; button.className = "small"; button.addEventListener("click", onClick); return button; }
  function render(data) {
    byId("id_suggestion_id").value = data.suggestion_id || "";
    const cat = byId("suggest-category"); cat.innerHTML = "";
    if (data.category && data.category.length) {
      cat.appendChild(el("h3", "内容分类"));
      data.category.forEach((c) => {
        cat.appendChild(pick(el("button", c.label + " " + Math.round(c.probability * 100) + "%"), () => { byId("id_category").value = c.label; }));
        cat.appendChild(document.createTextNode(" "));
      });
      if (data.terms && data.terms.length) cat.appendChild(el("div", "依据词语：" + data.terms.join("、"), "muted"));
    }
    const scr = byId("suggest-screening"); scr.innerHTML = "";
    if (data.screening) {
      const s = data.screening;
      scr.appendChild(el("h3", "类型与诉访分离"));
      scr.appendChild(pick(el("button", "采用类型：" + s.type), () => { if (s.type_code) byId("id_matter_type").value = s.type_code; }));
      if (s.litigation) {
        scr.appendChild(document.createTextNode(" "));
        scr.appendChild(pick(el("button", "标记涉法涉诉（" + (s.channel || "依法定途径") + "）"), () => { byId("id_is_litigation").checked = true; }));
      }
      (s.explanation || []).forEach((line) => scr.appendChild(el("div", line, "muted")));
    }
    const dup = byId("suggest-dup"); dup.innerHTML = "";
    const rejected = byId("id_duplicate_rejected");
    const rejectedSet = () => new Set(rejected.value.split(",").filter(Boolean));
    // 并入 confirms a candidate; 不是同一事项 records a rejection — both teach the 判重 threshold.
    function candidates(title, rows) {
      if (!rows.length) return;
      dup.appendChild(el("h3", title));
      const ul = el("ul");
      rows.forEach((r) => {
        const score = typeof r.score === "number" ? "（" + Math.round(r.score * 100) + "%）" : "";
        const li = el("li", r.matter_number + "　" + r.title + score + "　" + (r.reason || (r.matched_by || []).join("、")) + " ");
        li.appendChild(pick(el("button", "并入"), () => { byId("id_attach_to").value = r.matter_number; }));
        if (typeof r.score === "number") {
          li.appendChild(document.createTextNode(" "));
          const no = pick(el("button", rejectedSet().has(r.matter_number) ? "已否定" : "不是同一事项"), () => {
            const set = rejectedSet(); set.add(r.matter_number); rejected.value = Array.from(set).join(",");
            no.textContent = "已否定"; no.disabled = true;
            if (byId("id_attach_to").value === r.matter_number) byId("id_attach_to").value = "";
          });
          no.dataset.reject = r.matter_number;
          li.appendChild(no);
        }
        (r.passages || []).forEach((p) => li.appendChild(el("div", "重合：“" + p + "”", "muted")));
        ul.appendChild(li);
      });
      dup.appendChild(ul);
    }
    candidates("可能是同一事项（判重）", (data.same_problem || []).concat(data.same_petitioner || []));
    candidates("可能相关（低于判重阈值，供参考）", data.possibly_related || []);
    byId("suggest-notes").textContent = (data.notes || []).join("；");
    panel.hidden = !(cat.childNodes.length || scr.childNodes.length || dup.childNodes.length || byId("suggest-notes").textContent);
  }
  function ask() {
    const value = (id) => (byId(id) || {}).value || "";
    const first = (sel) => (document.querySelector('.person-row[data-index="0"] ' + sel) || {}).value || "";
    const text = [value("id_request"), value("id_facts"), value("id_reasons")].join("\n").trim();
    if (!text && !value("id_title")) return;
    const body = new URLSearchParams({ title: value("id_title"), text: text, id_number: first('input[name$="id_number"]'),
      phone: first('input[name$="phone"]'), name: first('input[name$="-name"]') });
    fetch("/suggest/", { method: "POST", headers: { "X-CSRFToken": csrf }, body: body, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null)).then((d) => { if (d) render(d); }).catch(() => {});
  }
  ["id_title", "id_request", "id_facts", "id_reasons"].forEach((id) => {
    const input = byId(id);
    if (input) input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 600); });
  });
})();
