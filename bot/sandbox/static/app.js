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

// Telegram's apps show bare links as links (the server marks them as "url" entities).
const URL_RE = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;

function appendText(parent, text) {
  if (parent.tagName === "A" || parent.tagName === "CODE" || parent.tagName === "PRE") {
    parent.appendChild(document.createTextNode(text));
    return;
  }
  let pos = 0;
  for (const match of text.matchAll(URL_RE)) {
    if (match.index > pos) parent.appendChild(document.createTextNode(text.slice(pos, match.index)));
    const a = document.createElement("a");
    a.href = match[0];
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = match[0];
    parent.appendChild(a);
    pos = match.index + match[0].length;
  }
  if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
}

function renderEntities(parent, text, entities, start, end) {
  let pos = start;
  const inside = entities.filter((e) => e.offset >= start && e.offset + e.length <= end)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  let i = 0;
  while (i < inside.length) {
    const e = inside[i];
    if (e.offset < pos) { i += 1; continue; }
    if (e.offset > pos) appendText(parent, text.slice(pos, e.offset));
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
  if (pos < end) appendText(parent, text.slice(pos, end));
}

function fileUrl(file, download) {
  return `/api/files/${encodeURIComponent(file.file_id)}${download ? "?download=1" : ""}`;
}

function renderMessage(m, previous) {
  const div = document.createElement("div");
  div.className = `msg ${m.from_bot ? "bot" : "user"}`;
  // Items of one album (sendMediaGroup) sit together, as Telegram shows them.
  if (m.media_group_id && previous && previous.media_group_id === m.media_group_id) div.classList.add("album-next");
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
  if (m.other) {
    const other = document.createElement("div");
    other.className = "other";
    other.textContent = m.other;
    div.appendChild(other);
  }
  if (!m.from_bot && m.text && !m.photo && !m.document) {
    // As in Telegram: the user's own text message can be edited (click it, change, send).
    div.classList.add("editable");
    div.title = "Kliknij, aby edytować";
    div.addEventListener("click", () => startEditing(m));
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
  box.replaceChildren(...messages.map((m, i) => renderMessage(m, messages[i - 1])));
  if (atBottom || messages.length) box.scrollTop = box.scrollHeight;
}

// The keyboard under the message field (a bot's ReplyKeyboardMarkup): a tap sends the label as text.
let lastKeyboard = "";

function renderReplyKeyboard(rows) {
  const key = JSON.stringify(rows || []);
  if (key === lastKeyboard) return;
  lastKeyboard = key;
  const box = $("reply-keyboard");
  box.replaceChildren(...(rows || []).map((row) => {
    const r = document.createElement("div");
    r.className = "row";
    for (const label of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "key";
      b.textContent = label;
      // Always a new message (as in Telegram), even while one of the user's messages is being edited.
      b.addEventListener("click", () => act(postJson("/api/send", { text: label })));
      r.appendChild(b);
    }
    return r;
  }));
  box.hidden = !(rows && rows.length);
}

async function poll() {
  for (;;) {
    try {
      const data = await api(`/api/messages?since=${version}&wait=20`);
      version = data.version;
      render(data.messages);
      renderReplyKeyboard(data.keyboard);
      $("status").textContent = "połączono";
    } catch (err) {
      $("status").textContent = "brak połączenia z sandboxem";
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

// --- the panel: beside the chat on wide screens, a drawer over it on phones ------------------------

const narrow = window.matchMedia("(max-width: 800px)");

function setPanel(open) {
  const layout = document.querySelector(".layout");
  layout.classList.toggle("panel-open", open && narrow.matches);
  layout.classList.toggle("panel-hidden", !open && !narrow.matches);
  $("backdrop").hidden = !(open && narrow.matches);
  $("panel-toggle").setAttribute("aria-expanded", String(open));
}

function panelOpen() {
  const layout = document.querySelector(".layout");
  return narrow.matches ? layout.classList.contains("panel-open") : !layout.classList.contains("panel-hidden");
}

// On a phone the drawer covers the chat: close it once an action is done, so its result shows.
function backToChat() {
  if (narrow.matches) setPanel(false);
}

// A short note above the conversation (a tap hides it); ``action`` adds a button, e.g. to put the
// password into the message box, and keeps the note until it is used. Others go after a while.
let toastTimer = 0;

function hideToast() {
  $("sim-status").hidden = true;
}

function toast(text, action) {
  const box = $("sim-status");
  box.replaceChildren(document.createTextNode(text));
  clearTimeout(toastTimer);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "toast-action";
    button.textContent = action.label;
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      hideToast();
      action.run();
    });
    box.append(" ", button);
  } else {
    toastTimer = setTimeout(hideToast, 12000);
  }
  box.hidden = false;
}

function putIntoMessageBox(value) {
  $("text").value = value;
  backToChat();
  $("text").focus();
}

async function act(promise) {
  try {
    await promise;
  } catch (err) {
    toast(`Błąd: ${err.message}`);
    backToChat();
  }
}

let editing = null;  // the id of the user's message being edited, or null

function startEditing(m) {
  editing = m.id;
  $("text").value = m.text;
  $("editing").hidden = false;
  $("text").focus();
}

function stopEditing() {
  editing = null;
  $("editing").hidden = true;
}

function send(text) {
  if (editing !== null) {
    const id = editing;
    stopEditing();
    return act(postJson("/api/edit", { message_id: id, text }));
  }
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
  $("limits").textContent = info.limits || "";
}

function createCertificate(button) {
  const body = { type: button.dataset.type, keyType: button.dataset.key };
  toast("Tworzę certyfikat w symulatorze…");
  return act(postJson("/api/sim/certificate", body).then((r) => {
    $("cert-password").textContent = r.password;
    $("cert-files").textContent = `(${r.files.join(", ")})`;
    $("cert-result").hidden = false;
    toast(`Wysłano do czatu ${r.files.join(" i ")}. Hasło do klucza: ${r.password}`,
          { label: "Wstaw hasło", run: () => putIntoMessageBox(r.password) });
    backToChat();
  }));
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
      putIntoMessageBox(value);
    });
  }
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && editing !== null) {
      stopEditing();
      $("text").value = "";
    }
  });
  $("sticker").addEventListener("click", () => act(postJson("/api/sticker", {})));
  $("location").addEventListener("click", () => act(postJson("/api/location", {})));
  $("file").addEventListener("change", () => upload($("file"), false));
  $("photo").addEventListener("change", () => upload($("photo"), true));
  $("inject").addEventListener("click", () => act(postJson("/api/sim/invoice", {}).then((r) => {
    toast(r.connected
      ? `Wysłano fakturę ${r.ksefNumber}; bot sprawdzi KSeF za kilka sekund.`
      : `Wysłano fakturę ${r.ksefNumber}, ale firma demo nie jest jeszcze podłączona: ` +
        "bot pokazuje tylko faktury, które przyjdą po podłączeniu firmy.");
    backToChat();
  })));
  for (const b of document.querySelectorAll("button.avail")) {
    b.addEventListener("click", () => act(postJson("/api/sim/availability", { mode: b.dataset.mode }).then(() => {
      toast(`Symulator KSeF: ${b.textContent}`);
      backToChat();
    })));
  }
  for (const b of document.querySelectorAll("button.cert")) b.addEventListener("click", () => createCertificate(b));
  $("sim-status").addEventListener("click", hideToast);
  $("panel-toggle").addEventListener("click", () => setPanel(!panelOpen()));
  $("panel-close").addEventListener("click", () => setPanel(false));
  $("backdrop").addEventListener("click", () => setPanel(false));
  narrow.addEventListener("change", () => setPanel(!narrow.matches));
  setPanel(!narrow.matches);  // closed by default on a phone
  loadInfo().catch(() => {});
  poll();
}

setup();
