// The console's few behaviours: a clock on server time, live countdowns, live classification.
(function () {
  // Server time at page load; on a drill page it is the drill's simulated time, which runs at
  // data-speed × real time while data-running is 1 and stands still otherwise.
  const serverNow = Date.parse(document.body.dataset.serverNow);
  const loaded = Date.now();
  const speed = Number(document.body.dataset.speed || "1") || 1;
  const running = document.body.dataset.running !== "0";
  const now = () => isNaN(serverNow) ? new Date() : new Date(serverNow + (running ? (Date.now() - loaded) * speed : 0));
  // The console's words in the reader's language, from the page (webui/i18n.py JS_WORDS); Chinese if absent.
  const WORDS = (function () { const el = document.getElementById("ui-words"); try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; } })();
  function w(zh, level) { const s = WORDS[zh] || zh; return level === undefined ? s : s.replace("%(level)s", level); }
  // a sentence of the console's with named parts, each already HTML (the plan's words marked zh-CN by the caller)
  function wf(zh, parts) {
    let s = escText(WORDS[zh] || zh);
    Object.keys(parts).forEach(function (k) { s = s.split("%(" + k + ")s").join(parts[k]); });
    return s;
  }
  function escText(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function zhSpan(s) { return '<span lang="zh-CN">' + escText(s) + "</span>"; }
  // what a boundary's criterion lacks, as webui.i18n.part_words says it on the server's pages
  function partWords(p) {
    if (p.kind === "count") return wf("%(fact)s再增加%(more)s%(unit)s（现为%(current)s%(unit)s，须达到%(target)s%(unit)s）",
      {fact: zhSpan(p.fact), more: escText(p.distance), unit: zhSpan(p.unit), current: escText(p.current), target: escText(p.needed)});
    if (p.kind === "amount") return wf("%(fact)s达到%(needed)s（现为%(now)s）", {fact: zhSpan(p.fact), needed: zhSpan(p.needed_words), now: zhSpan(p.current_words)});
    if (p.kind === "choice") return wf("“%(fact)s”为%(needed)s（现为%(now)s）", {fact: zhSpan(p.fact), needed: zhSpan(p.needed), now: zhSpan(p.current)});
    if (p.kind === "flag") return wf("出现“%(fact)s”", {fact: zhSpan(p.fact)});
    if (p.kind === "judgement") return wf("须研判：%(text)s", {text: zhSpan(p.judgement)});
    return zhSpan(p.words);
  }
  function boundaryWords(b) {
    return b.parts && b.parts.length ? b.parts.map(partWords).join(escText(w("，且"))) : escText(w("属本预案适用范围即达到"));
  }
  function nearSentence(b) {
    return wf("距%(name)s（%(level)s级）：%(words)s", {name: zhSpan(b.level_name), level: escText(b.level), words: partWords(b.parts[0])});
  }
  function two(n) { return String(n).padStart(2, "0"); }
  function shanghai(d) { const s = new Date(d.getTime() + 8 * 3600e3); return two(s.getUTCHours()) + ":" + two(s.getUTCMinutes()) + ":" + two(s.getUTCSeconds()); }
  function tick() {
    const c = document.getElementById("clock");
    if (c) c.textContent = shanghai(now());
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due);
      const mins = Math.floor((due - now().getTime()) / 60000);
      if (due - now().getTime() >= 0) { el.className = "countdown st-pending"; el.textContent = w("剩余") + " " + mins + " " + w("分钟"); }
      else { el.className = "countdown st-overdue"; el.textContent = w("已超时") + " " + Math.ceil((now().getTime() - due) / 60000) + " " + w("分钟"); }
    });
  }
  tick(); setInterval(tick, 1000);

  // Reminders: what falls due within N minutes and what is overdue, from the page itself
  // (elements with data-remind-due), on the page's clock, so they work with the network gone. A banner, the
  // tab title counting overdue items, a short sound served by the app, and a desktop notification where the
  // user allowed them; each item announces itself once when it comes due-soon and once when it goes overdue.
  const baseTitle = document.title;
  const announced = {};
  function remindWindow() {
    const own = Number(localStorage.getItem("remindMinutes"));
    return own > 0 ? own : (Number(document.body.dataset.remindMinutes) || 5);
  }
  function announce(texts) {
    const box = document.getElementById("reminders");
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || "0") + 1);
    try { const a = new Audio(box.dataset.sound); const p = a.play(); if (p && p.catch) p.catch(function () {}); } catch (e) {}
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        new Notification(w("应急报告提醒"), {body: texts.join("\n"), tag: "emergency-reminder"});
        document.body.dataset.notified = String(Number(document.body.dataset.notified || "0") + 1);
      } catch (e) {}
    }
  }
  function reminders() {
    const box = document.getElementById("reminders");
    if (!box) return;
    const minutes = remindWindow();
    const t = now().getTime();
    const over = [], soon = [], fresh = [];
    document.querySelectorAll("[data-remind-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.remindDue);
      if (isNaN(due)) return;
      const left = due - t, label = el.dataset.remindLabel || "", href = el.dataset.remindHref || "";
      const key = (el.dataset.remindKey || el.dataset.notification || label) + "@" + el.dataset.remindDue;
      let state = null;
      if (left < 0) { state = "over"; over.push({label: label, href: href, mins: Math.ceil(-left / 60000)}); }
      else if (left <= minutes * 60000) { state = "soon"; soon.push({label: label, href: href, mins: Math.floor(left / 60000)}); }
      if (state && announced[key] !== state) { announced[key] = state; fresh.push((state === "over" ? w("已超时") : w("即将到期")) + " " + label); }
    });
    document.getElementById("reminder-overdue-count").textContent = over.length;
    document.getElementById("reminder-soon-count").textContent = soon.length;
    document.getElementById("reminder-window").textContent = minutes;
    function item(x, cls, word) {
      const label = '<span lang="zh-CN">' + esc(x.label) + "</span>";
      return '<li class="' + cls + '">' + esc(w(word)) + " " + x.mins + " " + esc(w("分钟")) + " " +
        (x.href ? '<a class="reminder-link" href="' + esc(x.href) + '">' + label + "</a>" : label) + "</li>";
    }
    document.getElementById("reminder-list").innerHTML =
      over.map(function (x) { return item(x, "st-overdue", "已超时"); }).join("") +
      soon.map(function (x) { return item(x, "st-pending", "剩余"); }).join("");
    // one line: the counts and the most urgent item; the rest when the banner is opened
    const first = over[0] || soon[0];
    document.getElementById("reminder-first").innerHTML = first ? " — " + (first.href ?
      '<a class="reminder-link" href="' + esc(first.href) + '"><span lang="zh-CN">' + esc(first.label) + "</span></a>" :
      '<span lang="zh-CN">' + esc(first.label) + "</span>") : "";
    box.hidden = !(over.length || soon.length);
    document.title = (over.length ? "(" + over.length + ") " : "") + baseTitle;
    if (fresh.length) announce(fresh);
  }
  (function () {
    const input = document.getElementById("remind-minutes");
    if (input) {
      input.value = remindWindow();
      input.addEventListener("change", function () { const v = Number(input.value); if (v > 0 && v <= 120) { localStorage.setItem("remindMinutes", String(v)); reminders(); } });
    }
    reminders(); setInterval(reminders, 1000);
  })();

  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  const COLOURS = {red: "lv-red", orange: "lv-orange", yellow: "lv-yellow", blue: "lv-blue"};

  const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function post(url) { return fetch(url, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRFToken": CSRF}, body: "{}"}).then(function (r) { return r.json(); }); }

  // The controller's panel: ask the server to fire what is due, reload when something fired.
  window.initDrillPanel = function () {
    const panel = document.getElementById("drill-panel");
    const fired = Number(panel.dataset.fired), status = panel.dataset.status;
    function poll() {
      post(panel.dataset.tick).then(function (d) {
        document.getElementById("sim-time").textContent = d.sim_now.slice(11, 19);
        document.getElementById("sim-minute").textContent = "T+" + Math.floor(d.minute);
        const over = document.getElementById("over-length");
        if (over && d.over_length !== null && d.over_length !== undefined) over.hidden = false;
        if (d.fired !== fired || d.status !== status) { window.location.reload(); }
      }).catch(function () {});
    }
    if (status === "running" || status === "paused") setInterval(poll, 1000);
  };

  // An incident's page: say when someone else changed it (who, when), without reloading over typed text.
  // On a drill incident the drill's injects are kept firing as well.
  function showChange(inc) {
    let n = document.getElementById("sim-notice");
    if (!n) {
      n = document.createElement("div");
      n.id = "sim-notice"; n.className = "sim-notice"; n.setAttribute("role", "status");
      document.body.insertBefore(n, document.body.firstChild);
    }
    const last = (inc.events || [])[inc.events.length - 1] || {};
    n.innerHTML = esc(w("事件有新情况：第 %(level)s 版，", Number(inc.version))) + '<span lang="zh-CN">' + esc(last.actor || "") + "</span> " + esc((last.at || "").slice(11, 16)) +
      ' <button type="button" data-action="reload">' + esc(w("刷新查看")) + '</button> <span class="muted">' + esc(w("（刷新前请先提交或记下正在填写的内容）")) + "</span>";
  }
  window.initIncident = function (tickUrl, incidentUrl, version, every) {
    function poll() {
      const ticked = tickUrl ? post(tickUrl) : Promise.resolve();
      ticked.then(function () { return fetch(incidentUrl).then(function (r) { return r.json(); }); })
        .then(function (inc) { if (inc.version !== version) showChange(inc); })
        .catch(function () {});
    }
    setInterval(poll, every);
  };

  // Board and home: reload when the open incidents or their versions change (nothing is typed there).
  window.initBoard = function (url, every, rendered) {
    let seen = rendered;  // what the server rendered, so a change made before the first poll still shows
    function fingerprint(rows) { return rows.map(function (r) { return r.id + ":" + r.version; }).sort().join(","); }
    function poll() {
      fetch(url).then(function (r) { return r.json(); }).then(function (rows) {
        const f = fingerprint(rows);
        if (seen !== null && f !== seen && !document.querySelector("input:focus, textarea:focus, select:focus")) {
          window.location.reload();
        }
        seen = f;
      }).catch(function () {});
    }
    setInterval(poll, every);
  };

  // Diagrams on incident pages load mermaid (3.6 MB) only when opened.
  document.querySelectorAll("details[data-mermaid-src]").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (!box.open || box.dataset.loaded) return;
      box.dataset.loaded = "1";
      const s = document.createElement("script");
      s.src = box.dataset.mermaidSrc;
      s.onload = function () {
        box.querySelectorAll("pre.mermaid-lazy").forEach(function (pre) { pre.className = "mermaid"; });
        window.mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
        window.mermaid.run({querySelector: ".diagram-box .mermaid"});
      };
      document.head.appendChild(s);
    });
  });

  // The call form: choosing another recipient fills in the number to try next for it.
  document.addEventListener("change", function (ev) {
    const sel = ev.target;
    if (!sel.matches || !sel.matches(".call-form select[name=unit]")) return;
    const opt = sel.options[sel.selectedIndex];
    const number = sel.form.querySelector("input[name=number]");
    if (opt && number) number.value = opt.dataset.suggest || "";
  });

  // Actions that end or close a response ask first.
  document.addEventListener("submit", function (ev) {
    const msg = ev.target.dataset ? ev.target.dataset.confirm : null;
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  window.initClassify = function (checklistUrl) {
    const form = document.getElementById("classify-form");
    const body = document.getElementById("result-body");
    const link = document.getElementById("to-checklist");
    let seq = 0, lastLevel = null;
    function facts() {
      const out = {};
      form.querySelectorAll(".field[data-field] input, .field[data-field] select").forEach(function (el) {
        if (el.type === "checkbox") { if (el.checked) out[el.name] = true; return; }
        const v = el.value.trim();
        if (v === "" || v === "none") return;
        if (el.dataset.factor) { const n = Number(v); out[el.name] = isNaN(n) ? v : Math.round(n * Number(el.dataset.factor)); return; }
        if (el.type === "number") { const n = Number(v); out[el.name] = (v !== "" && Number.isInteger(n)) ? n : v; return; }
        out[el.name] = v;
      });
      return out;
    }
    function clearErrors() { form.querySelectorAll(".field").forEach(function (f) { f.classList.remove("has-error"); const e = f.querySelector(".field-error"); if (e) e.textContent = ""; }); }
    function showError(err) {
      let field = err.field || "";
      const box = form.querySelector('.field[data-field="' + field + '"]') ||
        form.querySelector('.field[data-fact="' + field.replace(/^facts\./, "") + '"]');
      // the refusal in the page's language: the API sends the Chinese beside the English
      const said = (document.documentElement.lang || "").indexOf("zh") === 0 && err.message_zh ? err.message_zh : err.message;
      if (box) { box.classList.add("has-error"); box.querySelector(".field-error").textContent = said; }
      body.innerHTML = '<p class="flash error" role="alert">' + esc(said) + "</p>";
    }
    function render(r) {
      lastLevel = r.level;
      let h = "";
      if (r.level) {
        h += '<p class="level-big"><span class="badge ' + COLOURS[r.colour] + '" id="result-level"><span lang="zh-CN">' + esc(r.level_short) + "</span>" + esc(w("（%(level)s级）", r.level)) + '</span> <span lang="zh-CN">' + esc(r.level_name) + "</span></p>";
        h += "<h3>" + esc(w("决定级别的条款")) + ' <span lang="zh-CN">' + esc(r.deciding.clause) + '</span></h3><blockquote class="deciding" id="deciding-clause" lang="zh-CN">' + esc(r.deciding.text) + "</blockquote>";
        const others = r.met.filter(function (m) { return m.id !== r.deciding.id; });
        if (others.length) { h += "<h4>" + esc(w("另符合")) + "</h4><ul>" + others.map(function (m) { return "<li>" + esc(w("%(level)s级", m.level)) + ' <span lang="zh-CN">' + esc(m.clause) + " " + esc(m.text) + "</span></li>"; }).join("") + "</ul>"; }
      } else {
        h += '<p class="level-big" id="result-level">' + esc(w("未达到本预案分级标准")) + '</p><blockquote id="deciding-clause" lang="zh-CN">' + esc(r.below_scope.clause) + " " + esc(r.below_scope.note) + "</blockquote>";
      }
      if (r.ahead && r.ahead.length) {    // 研判: how near each higher level is, and what it would add
        h += '<h4 id="boundaries-head">' + esc(w("研判：距更高级别")) + '</h4><ul id="boundaries">' + r.ahead.map(function (a) {
          const b = a.boundary, n = a.consequences.notifications.length;
          return '<li data-level="' + esc(b.level) + '"><span class="badge ' + COLOURS[b.colour] + '">' + esc(w("%(level)s级", b.level)) +
            "</span> " + boundaryWords(b) + '（<span lang="zh-CN">' + esc(b.clause) + "</span>）" +
            (n ? ' <small class="muted">' + esc(n === 1 ? w("将新增报告 1 项") : w("将新增报告 %(level)s 项", n)) + "</small>" : "") +
            (a.consequences.lead_changes ? ' <small class="lead-change">' + esc(w("牵头预案将改变")) + "</small>" : "") + "</li>";
        }).join("") + "</ul>";
        (r.related || []).forEach(function (x) {
          if (x.near) h += '<p class="related-plan">' + zhSpan(x.plan_title) + "：" + nearSentence(x.near) + "</p>";
        });
      }
      if (r.judgement.length) { h += "<h4>" + esc(w("需指挥人员研判")) + "</h4><ul>" + r.judgement.map(function (j) { return '<li lang="zh-CN">' + esc(j.clause) + " " + esc(j.text) + "</li>"; }).join("") + "</ul>"; }
      if (r.notes.length) { h += "<h4>" + esc(w("说明")) + "</h4><ul>" + r.notes.map(function (n) { return '<li lang="zh-CN">' + esc(n.clause) + " " + esc(n.note) + "</li>"; }).join("") + "</ul>"; }
      body.innerHTML = h;
      updateLink();
    }
    function updateLink() {
      if (!lastLevel) { link.setAttribute("aria-disabled", "true"); link.href = "#"; return; }
      const p = new URLSearchParams({level: lastLevel, occurred_at: form.occurred_at.value, reported_at: form.reported_at.value});
      if (form.cause) p.set("cause", form.cause.value);
      if (form.hot_topic && form.hot_topic.checked) p.set("hot_topic", "1");
      if (form.drill && form.drill.checked) p.set("drill", "1");
      link.removeAttribute("aria-disabled"); link.href = checklistUrl + "?" + p.toString();
    }
    function run() {
      const mine = ++seq;
      fetch(form.dataset.api, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRFToken": CSRF}, body: JSON.stringify(facts())})
        .then(function (res) { return res.json().then(function (j) { return {ok: res.ok, j: j}; }); })
        .then(function (x) { if (mine !== seq) return; clearErrors(); if (x.ok) render(x.j); else showError(x.j); })
        .catch(function () { body.innerHTML = '<p class="flash error">' + esc(w("无法连接服务")) + "</p>"; });
    }
    form.addEventListener("input", run);
    form.addEventListener("change", function () { run(); updateLink(); });
    run();
  };

  // No inline scripts (the Content-Security-Policy allows none): pages say what they need in data-* attributes.
  document.addEventListener("click", function (ev) {
    const el = ev.target.closest ? ev.target.closest("[data-action], [data-open-call]") : null;
    if (!el) return;
    if (el.dataset.action === "print") window.print();
    if (el.dataset.openCall) { const box = document.getElementById("call-" + el.dataset.openCall); if (box) box.open = true; }
    if (el.dataset.action === "enable-notifications") {
      if (!("Notification" in window)) { el.textContent = w("浏览器未允许桌面提醒"); return; }
      Notification.requestPermission().then(function (p) { el.textContent = p === "granted" ? w("桌面提醒已开启") : w("浏览器未允许桌面提醒"); });
    }
    if (el.dataset.action === "reload") window.location.reload();
    if (el.dataset.action === "zoom-in" || el.dataset.action === "zoom-out") {
      const box = el.closest("section, details, main").querySelector(".diagram-main");
      const svg = box && box.querySelector("svg");
      if (!svg) return;
      const now = Number(box.dataset.zoom || "1");
      const next = Math.min(3, Math.max(0.5, now * (el.dataset.action === "zoom-in" ? 1.25 : 0.8)));
      box.dataset.zoom = String(next);
      svg.style.maxWidth = "none";
      svg.style.width = (svg.viewBox.baseVal.width * next) + "px";
    }
  });
  // 下达任务: the 承办单位 follows the duty chosen (its group's lead unit), until the officer types another
  document.querySelectorAll("form.assign-form").forEach((form) => {
    const duty = form.querySelector("select[name=duty]");
    const unit = form.querySelector("input[name=unit]");
    if (!duty || !unit) return;
    let typed = false;
    unit.addEventListener("input", () => { typed = true; });
    const follow = () => {
      const option = duty.selectedOptions[0];
      if (!typed && option && option.dataset.unit) unit.value = option.dataset.unit;
    };
    duty.addEventListener("change", follow);
    follow();
  });
  const init = document.body.dataset.init;
  if (init === "classify") window.initClassify(document.body.dataset.checklistUrl);
  if (init === "drill-panel") window.initDrillPanel();
  // A form opened by its summary takes the focus at its first field (keyboard users land where they type,
  // not on <body>); a form open when the page loads takes nothing.
  document.addEventListener("click", function (ev) {
    const summary = ev.target.closest && ev.target.closest("summary");
    if (!summary) return;
    const box = summary.parentElement;
    setTimeout(function () {
      if (!box.open) return;
      const field = box.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
      if (field) field.focus();
    }, 0);
  });

  // A table wider than a phone scrolls inside itself: it takes the focus, so a keyboard can scroll it too.
  function reachableScrolls() {
    document.querySelectorAll("main table").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1 && !t.hasAttribute("tabindex")) t.tabIndex = 0;
    });
  }
  reachableScrolls();
  window.addEventListener("resize", reachableScrolls);

  const ds = document.body.dataset;
  if (init === "drill-incident") window.initIncident(ds.tickUrl, ds.incidentUrl, Number(ds.version), 2000);
  if (init === "incident") window.initIncident(null, ds.incidentUrl, Number(ds.version), Number(ds.pollMs || 10000));
  if (init === "board") window.initBoard(ds.pollUrl, Number(ds.pollMs || 10000), ds.fingerprint || "");
})();
