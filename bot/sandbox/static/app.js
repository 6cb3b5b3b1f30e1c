// The sandbox web chat: renders the conversation from /api/messages and sends what the user does.
"use strict";

const $ = (id) => document.getElementById(id);
let version = -1;
let lastRendered = "";

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function postJson(path, body) {
  return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

// Telegram entities (offsets in UTF-16 code units, like JavaScript strings) → DOM nodes.
const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
               spoiler: "span", blockquote: "blockquote", expandable_blockquote: "blockquote" };

function renderEntities(parent, text, entities, start, end) {
  let pos = start;
  const inside = entities.filter((e) => e.offset >= start && e.offset + e.length <= end)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  let i = 0;
  while (i < inside.length) {
    const e = inside[i];
    if (e.offset < pos) { i += 1; continue; }
    if (e.offset > pos) parent.appendChild(document.createTextNode(text.slice(pos, e.offset)));
    let node;
    if (e.type === "text_link" || e.type === "url") {
      node = document.createElement("a");
      node.href = e.type === "url" ? text.slice(e.offset, e.offset + e.length) : e.url;
      node.target = "_blank";
      node.rel = "noopener";
    } else {
      node = document.createElement(TAGS[e.type] || "span");
    }
    const children = inside.filter((c) => c !== e && c.offset >= e.offset && c.offset + c.length <= e.offset + e.length);
    renderEntities(node, text, children, e.offset, e.offset + e.length);
    parent.appendChild(node);
    pos = e.offset + e.length;
    i += 1;
  }
  if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
}

function fileUrl(file, download) {
  return `/api/files/${encodeURIComponent(file.file_id)}${download ? "?download=1" : ""}`;
}

function renderMessage(m) {
  const div = document.createElement("div");
  div.className = `msg ${m.from_bot ? "bot" : "user"}`;
  div.dataset.id = m.id;
  if (m.photo) {
    const img = document.createElement("img");
    img.className = "photo";
    img.src = fileUrl(m.photo, false);
    img.alt = "zdjęcie";
    div.appendChild(img);
  }
  if (m.document) {
    const a = document.createElement("a");
    a.className = "doc";
    a.href = fileUrl(m.document, true);
    a.textContent = `↓ ${m.document.name || "plik"} (${Math.ceil(m.document.size / 1024)} KB)`;
    div.appendChild(a);
    if ((m.document.mime || "").startsWith("image/")) {
      const img = document.createElement("img");
      img.className = "photo";
      img.src = fileUrl(m.document, false);
      div.appendChild(img);
    }
  }
  if (m.text) {
    const body = document.createElement("div");
    body.className = "text";
    renderEntities(body, m.text, m.entities || [], 0, m.text.length);
    div.appendChild(body);
  }
  if (m.edited) {
    const note = document.createElement("span");
    note.className = "edited";
    note.textContent = "edytowano";
    div.appendChild(note);
  }
  if (m.buttons && m.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of m.buttons) {
      const r = document.createElement("div");
      r.className = "row";
      for (const b of row) {
        let el;
        if (b.url) {
          el = document.createElement("a");
          el.href = b.url;
          el.target = "_blank";
          el.rel = "noopener";
        } else {
          el = document.createElement("button");
          el.type = "button";
          el.className = "kb";
          el.addEventListener("click", () => press(m.id, b.data));
        }
        el.textContent = b.text;
        r.appendChild(el);
      }
      keyboard.appendChild(r);
    }
    div.appendChild(keyboard);
  }
  return div;
}

function render(messages) {
  const key = JSON.stringify(messages);
  if (key === lastRendered) return;
  lastRendered = key;
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...messages.map(renderMessage));
  if (atBottom || messages.length) box.scrollTop = box.scrollHeight;
}

async function poll() {
  for (;;) {
    try {
      const data = await api(`/api/messages?since=${version}&wait=20`);
      version = data.version;
      render(data.messages);
      $("status").textContent = "połączono";
    } catch (err) {
      $("status").textContent = "brak połączenia z sandboxem";
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function act(promise) {
  try {
    await promise;
  } catch (err) {
    $("sim-status").textContent = `Błąd: ${err.message}`;
  }
}

function send(text) {
  return act(postJson("/api/send", { text }));
}

function press(messageId, data) {
  return act(postJson("/api/press", { message_id: messageId, data }));
}

function upload(input, asPhoto) {
  const file = input.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  if (asPhoto) form.append("as_photo", "1");
  input.value = "";
  act(api("/api/upload", { method: "POST", body: form }));
}

async function loadInfo() {
  const info = await api("/api/info");
  $("bot-name").textContent = info.bot.first_name;
  if (info.demo) {
    $("demo-nip").textContent = info.demo.nip;
    $("demo-token").textContent = info.demo.token;
  }
}

function setup() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) return;
    $("text").value = "";
    send(text);
  });
  for (const b of document.querySelectorAll("button.cmd")) b.addEventListener("click", () => send(b.dataset.cmd));
  for (const b of document.querySelectorAll("button.copy")) {
    b.addEventListener("click", () => {
      const value = $(b.dataset.copy).textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(value).catch(() => {});
      $("text").value = value;
      $("text").focus();
    });
  }
  $("file").addEventListener("change", () => upload($("file"), false));
  $("photo").addEventListener("change", () => upload($("photo"), true));
  $("inject").addEventListener("click", () => act(postJson("/api/sim/invoice", {}).then((r) => {
    $("sim-status").textContent = `Wysłano fakturę ${r.ksefNumber}; bot zobaczy ją przy najbliższym odpytaniu KSeF.`;
  })));
  for (const b of document.querySelectorAll("button.avail")) {
    b.addEventListener("click", () => act(postJson("/api/sim/availability", { mode: b.dataset.mode }).then(() => {
      $("sim-status").textContent = `Symulator KSeF: ${b.textContent}`;
    })));
  }
  loadInfo().catch(() => {});
  poll();
}

setup();
