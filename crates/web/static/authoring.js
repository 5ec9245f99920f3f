// The authoring page (docs/authoring.md): line numbers beside the text area,
// and the diagnostics, step tables and swimlane diagram fetched again a
// moment after each change. Without JavaScript the «Check» button posts the
// form and the server shows the same.
"use strict";

(() => {
  const form = document.getElementById("authoring-form");
  if (!form) return;
  const text = document.getElementById("text");
  const gutter = document.getElementById("gutter");
  const summary = document.getElementById("diagnostics-summary");
  const list = document.getElementById("diagnostics");
  const steps = document.getElementById("preview-steps");
  const diagram = document.getElementById("preview-diagram");
  const stale = document.getElementById("preview-stale");
  const save = document.getElementById("save-edition");
  const hash = document.getElementById("text-hash");
  const csrf = form.querySelector('input[name="csrf"]').value;
  const lang = document.documentElement.lang || "kk";
  const t = form.dataset;
  const DELAY = 350;
  let errorLines = new Set(
    Array.from(list.querySelectorAll("li.error")).map((item) => Number(item.dataset.line)),
  );
  let timer = null;
  let asked = 0;

  function drawGutter() {
    const lines = text.value.split("\n").length;
    const out = document.createDocumentFragment();
    for (let line = 1; line <= lines; line += 1) {
      const number = document.createElement("span");
      if (errorLines.has(line)) number.className = "error";
      number.textContent = String(line);
      out.append(number, "\n");
    }
    gutter.replaceChildren(out);
    gutter.scrollTop = text.scrollTop;
  }

  function select(start, end) {
    text.focus();
    text.setSelectionRange(start, Math.max(start, end));
    // Bring the line into view: the text area scrolls to the caret on focus
    // in most browsers; set it explicitly for the others.
    const line = text.value.slice(0, start).split("\n").length;
    const height = text.scrollHeight / Math.max(1, text.value.split("\n").length);
    text.scrollTop = Math.max(0, (line - 5) * height);
    gutter.scrollTop = text.scrollTop;
  }

  function showDiagnostics(reply) {
    errorLines = new Set(
      reply.diagnostics.filter((item) => item.severity === "error").map((item) => item.line),
    );
    const items = reply.diagnostics.map((item) => {
      const li = document.createElement("li");
      li.className = `diag ${item.severity}`;
      li.dataset.code = item.code;
      li.dataset.line = String(item.line);
      li.dataset.start = String(item.start);
      li.dataset.end = String(item.end);
      const at = document.createElement("a");
      at.className = "at";
      at.href = "#text";
      at.textContent = `${t.tLine} ${item.line}:${item.column}`;
      const code = document.createElement("code");
      code.textContent = item.code;
      li.append(at, " ", code, ` ${item.message}`);
      if (item.hint) {
        const hint = document.createElement("span");
        hint.className = "muted";
        hint.textContent = item.hint;
        li.append(document.createElement("br"), hint);
      }
      return li;
    });
    list.replaceChildren(...items);
    summary.dataset.errors = String(reply.errors);
    summary.dataset.warnings = String(reply.warnings);
    const strong = document.createElement("strong");
    if (reply.errors > 0) {
      strong.className = "late";
      strong.textContent = `${t.tErrors}: ${reply.errors}`;
      summary.replaceChildren(strong, ` · ${t.tWarnings}: ${reply.warnings}`);
    } else {
      strong.className = "ok";
      strong.textContent = t.tClean;
      summary.replaceChildren(strong, reply.warnings > 0 ? ` ${t.tWarnings}: ${reply.warnings}` : "");
    }
    save.disabled = reply.errors > 0;
    hash.textContent = reply.hash;
    drawGutter();
  }

  async function ask(path, mine) {
    const response = await fetch(`${path}?lang=${encodeURIComponent(lang)}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ text: text.value }),
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const reply = await response.json();
    return mine === asked ? reply : null;
  }

  async function refresh() {
    const mine = ++asked;
    form.dataset.state = "checking";
    summary.textContent = t.tChecking;
    try {
      const checked = await ask("/api/authoring/check", mine);
      if (!checked) return;
      showDiagnostics(checked);
      if (checked.errors > 0) {
        // Keep the last good tables, marked as such.
        stale.hidden = false;
      } else {
        const preview = await ask("/api/authoring/preview", mine);
        if (!preview) return;
        steps.innerHTML = preview.steps_html;
        diagram.innerHTML = preview.svg;
        stale.hidden = true;
      }
      form.dataset.state = "ready";
      form.dataset.hash = checked.hash;
    } catch (error) {
      if (mine !== asked) return;
      form.dataset.state = "failed";
      summary.textContent = t.tFailed;
    }
  }

  text.addEventListener("input", () => {
    drawGutter();
    save.disabled = true;
    form.dataset.state = "typing";
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY);
  });
  text.addEventListener("scroll", () => {
    gutter.scrollTop = text.scrollTop;
  });
  // Tab indents by two spaces instead of leaving the field (Escape, then Tab, leaves).
  let escaped = false;
  text.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      escaped = true;
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !escaped) {
      event.preventDefault();
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input"));
    }
    escaped = false;
  });
  list.addEventListener("click", (event) => {
    const at = event.target.closest("a.at");
    if (!at) return;
    event.preventDefault();
    const item = at.closest("li");
    select(Number(item.dataset.start), Number(item.dataset.end));
  });
  form.addEventListener("submit", (event) => {
    // A save while a check is pending waits for nothing: the server checks again.
    if (event.submitter === save) clearTimeout(timer);
  });
  drawGutter();
  form.dataset.state = "ready";
})();
