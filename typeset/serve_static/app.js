// The live page: pages as images with each article's hot zone, the chosen article's record,
// findings and text, and every finding linked to its place. The server pushes its state by
// server-sent events after each build; nothing here reloads the page.
"use strict";

let state = null;

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

// A finding's number, as the proof numbers its marks: ① … ⑳, then (21).
const CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
const numbered = (f) => (f.number <= CIRCLED.length ? CIRCLED[f.number - 1] : `(${f.number})`);
const SEVERITY = { error: "错误", warning: "注意" };

// A finding's place: its article when it has one, else its page.
function findingLink(f) {
  const page = state.pages.find((p) => p.page === f.page);
  const href = f.article ? `#article=${encodeURIComponent(f.article)}` : page ? `#page=${page.index}` : null;
  const text = `${numbered(f)} ${f.where ? f.where + ": " : ""}${f.message}`;
  const item = el("li", { className: f.severity });
  item.append(href ? el("a", { href, textContent: text }) : text);
  if (f.hint) item.append(el("div", { className: "hint", textContent: f.hint }));
  return item;
}

// The proof's marks, drawn over the page image: a module with findings outlined (red for an
// error, dashed orange for a warning) and tagged with its findings' numbers and checks; the
// page's own findings (no article) in a note at its head.
function mark(node, findings) {
  if (!findings.length) return;
  node.classList.add(findings.some((f) => f.severity === "error") ? "has-error" : "has-warning");
  const tags = el("span", { className: "marks" });
  for (const f of findings)
    tags.append(el("span", { className: `mark ${f.severity}`, title: f.message,
                             textContent: `${numbered(f)} ${SEVERITY[f.severity] || ""} [${f.check}]` }));
  node.append(tags);
}

function renderPages() {
  const box = $("pages");
  box.replaceChildren();
  for (const page of state.pages) {
    const [w, h] = page.png_size;
    const figure = el("figure", { className: "page", id: `page-${page.index}` });
    figure.dataset.page = page.page;
    figure.append(el("figcaption", { textContent: `第${page.page}版 ${page.section || ""}` }));
    figure.append(el("img", { src: page.url, alt: `第${page.page}版`, width: w, height: h }));
    for (const article of state.articles) {
      for (const region of article.regions.filter((r) => r.index === page.index)) {
        const [left, top, right, bottom] = region.png;
        const zone = el("a", { className: "zone", href: `#article=${encodeURIComponent(article.slug)}`,
                               title: article.title });
        zone.dataset.slug = article.slug;
        mark(zone, article.findings.filter((f) => f.page === null || f.page === region.page));
        Object.assign(zone.style, { left: `${(100 * left) / w}%`, top: `${(100 * top) / h}%`,
                                    width: `${(100 * (right - left)) / w}%`, height: `${(100 * (bottom - top)) / h}%` });
        figure.append(zone);
      }
    }
    const note = el("div", { className: "page-note" });
    mark(note, state.findings.filter((f) => f.page === page.page && !f.article));
    figure.append(note);
    box.append(figure);
  }
}

// A record field as lines: a picture or pin as "key: value · key: value", one a line.
function fieldText(value) {
  if (Array.isArray(value)) return value.map(fieldText).join("\n");
  if (value && typeof value === "object")
    return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join(" · ");
  return String(value);
}

function renderArticle(slug) {
  const article = state.articles.find((a) => a.slug === slug);
  $("article").hidden = !article;
  document.querySelectorAll(".zone").forEach((z) => z.classList.toggle("selected", z.dataset.slug === slug));
  if (!article) return;
  $("article-file").textContent = article.file;
  $("article-title").textContent = article.title;
  const rows = Object.entries(article.record).map(([key, value]) =>
    el("tr", {}, el("th", { textContent: key }), el("td", { textContent: fieldText(value) })));
  $("article-record").replaceChildren(...rows);
  const findings = article.findings.map(findingLink);
  $("article-findings").replaceChildren(...(findings.length ? findings : [el("li", { textContent: "无 none" })]));
  $("article-text").replaceChildren(...article.paragraphs.map((p) => el("p", { textContent: p })));
}

function route(scroll) {
  const hash = decodeURIComponent(location.hash.slice(1));
  const [kind, value] = hash.split("=");
  renderArticle(kind === "article" ? value : null);
  if (!scroll) return;
  const target = kind === "article" ? document.querySelector(`.zone[data-slug="${CSS.escape(value)}"]`)
               : kind === "page" ? $(`page-${value}`) : null;
  if (target) target.scrollIntoView({ block: "center", behavior: "smooth" });
}

// A new build's images are loaded before they replace the old ones: the page never flashes blank.
function preload(pages) {
  return Promise.all(pages.map((page) => {
    const image = new Image();
    image.src = page.url;
    return image.decode().catch(() => {});
  }));
}

let shown = 0;      // the generation on screen

async function render(next) {
  if (next.generation !== shown) {
    await preload(next.pages);
  }
  const rebuilt = next.generation !== shown;
  shown = next.generation;
  state = next;
  $("issue").textContent = `排版 ${state.issue}`;
  const status = $("status");
  status.classList.toggle("building", state.building);
  status.textContent = state.building ? "排版中 building…"
    : state.built ? `${state.built} 排好 built in ${state.seconds} s (${state.rendered} 版 rendered)`
                    + ` · version ${state.version}` : "";
  const error = $("error");
  error.hidden = !state.error;
  error.textContent = state.error ? `错误 error: ${state.error}` : "";
  if (rebuilt) {
    renderPages();
    $("findings-count").textContent = `(${state.findings.length})`;
    $("findings").replaceChildren(...state.findings.map(findingLink));
    route(false);
    // when this build's images went on screen (the browser test times a save with it)
    document.body.dataset.shown = `${shown} ${Date.now()}`;
  }
}

function connect() {
  const source = new EventSource("/events");
  let rendering = Promise.resolve();     // one state after the other, in the order they came
  source.onmessage = (event) => { rendering = rendering.then(() => render(JSON.parse(event.data))); };
  source.onerror = () => { $("status").textContent = "连接中断 disconnected: retrying…"; };
}

window.addEventListener("hashchange", () => route(true));
connect();
