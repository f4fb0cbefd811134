/* Corrections reader widget; see docs/widget.md */
(() => {
'use strict';
const d = document, w = window, S = d.currentScript, D = S && S.dataset;
if (!D || !D.site || w.__corrections) return;
w.__corrections = 1;
const SITE = D.site, API = new URL('api/', S.src).href, MAX = 1000, CTX = 64, QK = 'corrections:queue';
const mac = /Mac|iP/.test(navigator.platform);

// What a page shows before any dialog, in every language: the title (also the buttons' label) and the hints for keyboards and touch
const H = {
en: 'Report a mistake|Found a mistake? Select it and press %.|Found a mistake? Select it and tap “%”.',
uk: 'Повідомити про помилку|Знайшли помилку? Виділіть її та натисніть %.|Знайшли помилку? Виділіть її та торкніться «%».',
es: 'Informar de un error|¿Ha visto un error? Selecciónelo y pulse %.|¿Ha visto un error? Selecciónelo y toque «%».',
fr: 'Signaler une erreur|Une erreur\u202f? Sélectionnez-la et appuyez sur %.|Une erreur\u202f? Sélectionnez-la et touchez «\u202f%\u202f».',
de: 'Fehler melden|Fehler gefunden? Markieren Sie ihn und drücken Sie %.|Fehler gefunden? Markieren Sie ihn und tippen Sie auf „%“.',
ru: 'Сообщить об ошибке|Нашли ошибку? Выделите её и нажмите %.|Нашли ошибку? Выделите её и нажмите «%».',
pl: 'Zgłoś błąd|Widzisz błąd? Zaznacz go i naciśnij %.|Widzisz błąd? Zaznacz go i dotknij „%”.',
ar: 'الإبلاغ عن خطأ|وجدت خطأً؟ حدّده واضغط %.|وجدت خطأً؟ حدّده واضغط على «%».',
he: 'דיווח על טעות|מצאת טעות? יש לסמן אותה וללחוץ %.|מצאת טעות? יש לסמן אותה ולהקיש על „%”.'};
// The dialog's words in English; another language's come with the dialog from widget/lang/LANG.json
const K = 's c e p k x z w ok off long ev eu eg q eq ns'.split(' '), EN = 'Corrected text|Comment (optional)|Email for a thank-you (optional)|Used only to thank you once it is fixed.|Send|Cancel|Close|Sending…|Thank you! The editors have your report.|No connection. Your report is saved and will be sent automatically.|The selection is too long. Please select at most % characters.|Please check the email address, or leave it empty.|Reports cannot be sent from this page.|The report was not accepted. Please shorten it or try again later.|The wrong words (type or paste them)|Please type or paste the words that are wrong.|The report could not be sent and is not saved. Please try again.'.split('|');

// Inherited properties are set here, as a page's rules for the host element (body *, *) would reach inside; sizes in px, never rem
const CSS = `:host{all:initial}*{box-sizing:border-box}
dialog,.f{--a:var(--corrections-accent,#0b57d0);--b:var(--corrections-bg,#fff);--c:var(--corrections-fg,#1f1f1f);--m:#5e5e5e;--l:#8e918f;font:16px/1.45 system-ui,sans-serif;color:var(--c);-webkit-text-fill-color:currentcolor;text-transform:none;letter-spacing:normal;word-spacing:normal;text-align:start;text-indent:0;text-shadow:none;white-space:normal;word-break:normal;hyphens:manual;visibility:visible;cursor:auto}
@media(prefers-color-scheme:dark){dialog,.f{--a:var(--corrections-accent,#a8c7fa);--b:var(--corrections-bg,#1f1f1f);--c:var(--corrections-fg,#e3e3e3);--m:#a8a8a8}}
dialog{background:var(--b);border:2px solid transparent;border-radius:16px;padding:20px 24px;width:min(512px,100vw - 16px);max-height:calc(100dvh - 16px);box-shadow:0 16px 48px #0006}
::backdrop{background:#0007}
h2{font-size:20px;margin:0}
.n,.p,.r{color:var(--m);font-size:14px;margin:2px 0 0}.r{color:#d93025}.r:empty{display:none}
blockquote{margin:16px 0 4px;padding:8px 12px;border-inline-start:4px solid var(--a);border-radius:4px;background:#8881;max-height:9em;overflow:auto;overflow-wrap:anywhere;white-space:pre-line}
mark{background:#ffe083;color:#1f1f1f;-webkit-text-fill-color:currentcolor}
label{display:block;font-weight:600;font-size:14px;margin:14px 0 4px}
textarea,input{display:block;width:100%;min-height:44px;font:inherit;color:inherit;background:var(--b);border:1px solid var(--l);border-radius:8px;padding:8px 10px;resize:vertical}
[aria-invalid=true]{border-color:#d93025}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.st{margin:14px 0 0;font-weight:600}.st:empty{display:none}
.b{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:8px;margin-top:20px}
button{font:inherit;font-weight:600;min-height:44px;min-width:44px;padding:0 20px;border-radius:22px;border:1px solid var(--l);background:none;color:var(--a);cursor:pointer}
.k,.f{background:var(--a);color:var(--b);border-color:var(--a)}
button:disabled{opacity:.6}
.f{position:fixed;z-index:2147483647;translate:-50%;white-space:nowrap;box-shadow:0 4px 16px #0005}
@media(forced-colors:active){dialog{border-color:CanvasText}:focus-visible{outline-color:Highlight}}
@media(prefers-reduced-motion:no-preference){[open],.f{animation:o .2s}}
@keyframes o{from{opacity:0;transform:translateY(8px)}}`;

let tx, name = '', fill = 1500, host, root, dlg, btn, pick, wait, touch = matchMedia('(pointer:coarse)').matches, siteLang, settings;
const packs = {};
const $ = (tag, attrs, ...kids) => {
  const e = d.createElement(tag);
  for (const k in attrs) typeof attrs[k] == 'function' ? e.addEventListener(k, attrs[k]) : e.setAttribute(k, attrs[k]);
  e.append(...kids);
  return e;
};
const known = l => (l = (l || '').toLowerCase().split(/[-_]/)[0], H.hasOwnProperty(l) && l);
const editable = e => e && (e.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.tagName));
const select = r => { const s = getSelection(); s.removeAllRanges(); s.addRange(r); return s };
const load = u => fetch(u).then(r => r.ok ? r.json() : Promise.reject(r.status));
const soon = p => Promise.race([p, new Promise(r => setTimeout(r, 3e3))]);

// data-lang, then what the page (or the passage) says, then the site's language, then the browser's
const choose = e => known(D.lang) || known((e.closest('[lang]') || {}).lang) || known(siteLang) || [...navigator.languages].map(known).find(Boolean) || 'en';
function words(lang, pack) {
  const t = {};
  H[lang].split('|').forEach((s, i) => t[['t', 'h', 'ht'][i]] = s);
  K.forEach((k, i) => t[k] = pack && pack[k] || EN[i]);
  try {
    const o = JSON.parse(D.strings || '{}');
    Object.assign(t, o[lang] || o);
  } catch (e) { console.warn('Corrections: bad data-strings') }
  return t;
}
function hint() {
  const lang = choose(d.documentElement), t = words(lang), key = mac ? '⌘' : lang == 'de' ? 'Strg' : 'Ctrl';
  d.querySelectorAll('[data-corrections-hint]').forEach(e => {
    if (e.dataset.correctionsHint == 'button') {
      if (!e.__c) e.replaceChildren(e.__c = $('button', { type: 'button', mousedown: e => e.preventDefault(), click: () => open(capture() || { el: e }) }));
      e.__c.textContent = t.t;
      e.__c.lang = lang;
    } else if (!e.textContent.trim() || e.__c) e.textContent = (touch ? t.ht : t.h).replace('%', touch ? t.t : key + '+Enter'), e.__c = 1, e.lang = lang;
  });
  tx = t;
}
d.readyState == 'loading' ? d.addEventListener('DOMContentLoaded', hint) : hint();

// The site's settings and the dialog's words are fetched when a dialog first needs them, never with the page
async function prepare(el) {
  const s = await soon(settings ||= load(API + 'sites/' + encodeURIComponent(SITE) + '/widget').catch(e => (settings = 0, console.warn('Corrections: no site ' + SITE, e))));
  if (s) name = s.name, siteLang = s.language, fill = s.minimumFillMilliseconds ?? fill, hint();
  let lang = choose(el), pack = lang == 'en' || await soon(packs[lang] ||= load(new URL('widget/lang/' + lang + '.json', S.src)).catch(() => delete packs[lang] && 0));
  if (!pack) lang = 'en';
  tx = words(lang, pack);
  return lang;
}

function shadow() {
  if (!root) {
    host = $('corrections-widget');
    root = host.attachShadow({ mode: 'open' });
    // Not an inline style, so CSP without 'unsafe-inline' allows it
    try {
      const s = new CSSStyleSheet();
      s.replaceSync(CSS);
      root.adoptedStyleSheets = [s];
    } catch (e) { root.append($('style', {}, CSS)) }
    if (D.accent) host.style.setProperty('--corrections-accent', D.accent);
    d.body.append(host);
  }
  return root;
}

// Text as the page renders it: a run of white space is one space, or one line break between blocks
const flat = s => s.replace(/[^\S\n]*\n\s*/g, '\n').replace(/[^\S\n]+/g, ' ');
function capture() {
  const sel = getSelection();
  if (!sel.rangeCount || sel.isCollapsed || editable(d.activeElement)) return;
  const r = sel.getRangeAt(0), c = r.commonAncestorContainer, el = c.nodeType == 1 ? c : c.parentElement;
  if (!el || editable(el)) return;
  const scope = el.closest('article,main,[role=main]') || d.body;
  // Unlike Range's, Selection's toString() renders like innerText
  const text = x => flat(select(x).toString());
  const side = end => {
    const x = d.createRange();
    x.selectNodeContents(scope);
    end ? x.setStart(r.endContainer, r.endOffset) : x.setEnd(r.startContainer, r.startOffset);
    return text(x);
  };
  let prefix = side().trimStart().slice(-CTX), suffix = side(1).trimEnd().slice(0, CTX), exact = text(r);
  select(r);
  if (/^\s/.test(exact) && !/\s$/.test(prefix)) prefix += exact[0];
  if (/\s$/.test(exact) && !/^\s/.test(suffix)) suffix = exact.slice(-1) + suffix;
  exact = exact.trim();
  return exact && { exact, prefix, suffix, r, el };
}

addEventListener('keydown', e => {
  if (e.key != 'Enter' || !(e.ctrlKey || e.metaKey) || dlg || editable(e.composedPath()[0])) return;
  const q = capture();
  if (q) e.preventDefault(), open(q);
}, true);

addEventListener('pointerdown', e => touch = e.pointerType == 'touch', true);
d.addEventListener('selectionchange', () => { clearTimeout(wait); wait = setTimeout(float, 250) });
addEventListener('scroll', () => btn && !btn.hidden && float(), { passive: true, capture: true });
function float() {
  const s = getSelection();
  if (!touch || dlg || !s.rangeCount || !s.toString().trim() || editable(d.activeElement)) return btn && (btn.hidden = true);
  pick = s.getRangeAt(0).cloneRange();
  const rs = pick.getClientRects(), a = rs[0] || pick.getBoundingClientRect(), b = rs[rs.length - 1] || a;
  if (!btn) shadow().append(btn = $('button', {
    class: 'f', type: 'button', mousedown: e => e.preventDefault(),
    click: () => { select(pick); const q = capture(); if (q) open(q) }
  }));
  btn.textContent = tx.t;
  btn.hidden = false;
  // 40 px from the passage leaves the platform's selection handles, which hang below its first and last lines, uncovered
  const h = btn.offsetHeight, half = btn.offsetWidth / 2, below = b.bottom + 40;
  btn.style.top = (below + h < innerHeight - 8 || a.top - 40 - h < 8 ? below : a.top - 40 - h) + 'px';
  btn.style.left = Math.max(Math.min(b.right, innerWidth - half - 8), half + 8) + 'px';
}

async function open(q) {
  if (dlg) return;
  if (btn) btn.hidden = true;
  dlg = 1;
  const prev = d.activeElement, lang = await prepare(q.el).catch(() => 'en'), rt = shadow(), t0 = Date.now(), typed = !q.exact, long = !typed && q.exact.length > MAX;
  const status = $('p', { class: 'st', id: 'st', role: 'status', 'aria-live': 'polite' }), say = m => status.textContent = m;
  const close = $('button', { type: 'button', 'aria-describedby': 'st', click: () => dlg.close() }, tx.z);
  const head = [$('h2', { id: 't' }, tx.t), name && $('p', { class: 'n' }, name)];
  let form, sent, touched;
  if (long) {
    say(tx.long.replace('%', MAX));
    form = $('div', {}, ...head, status, $('div', { class: 'b' }, close));
  } else {
    // A field with its label and the place for its error, which describes it
    const field = (tag, id, attrs, label, ...notes) => {
      const f = $(tag, Object.assign({ id, 'aria-describedby': [id + 'r', ...notes.map(n => n.id)].join(' ') }, attrs));
      f.err = $('p', { class: 'r', id: id + 'r' });
      return [f, [$('label', { for: id }, label), f, f.err, ...notes]];
    };
    const area = { rows: 2, maxlength: 2000 }, note = $('p', { class: 'p', id: 'p' }, tx.p);
    const [wrong, wrongs] = field('textarea', 'q', { rows: 2, maxlength: MAX }, tx.q), [sug, sugs] = field('textarea', 's', area, tx.s);
    const [com, coms] = field('textarea', 'c', area, tx.c), [em, ems] = field('input', 'e', { type: 'email', autocomplete: 'email', maxlength: 254 }, tx.e, note);
    const go = $('button', { class: 'k' }, tx.k), trap = $('input', { name: 'website', tabindex: -1, autocomplete: 'off' });
    const cut = (s, n) => (s = n ? s.split('\n')[0] : s.split('\n').pop()).length > 40 ? (n ? s.slice(0, 40).replace(/\S*$/, '') + '…' : '…' + s.slice(-40).replace(/^\S*/, '')) : s;
    const fields = $('div', {}, ...(typed ? wrongs : [$('blockquote', { dir: 'auto' }, cut(q.prefix), $('mark', {}, q.exact), cut(q.suffix, 1))]),
      ...sugs, ...coms, ...ems, $('div', { hidden: '' }, trap));
    const buttons = $('div', { class: 'b' }, $('button', { type: 'button', click: () => dlg.close() }, tx.x), go);
    const bad = (f, m) => (f.setAttribute('aria-invalid', true), f.err.textContent = m, f.focus());
    const done = m => (sent = 1, say(m), fields.remove(), buttons.replaceChildren(close), close.focus());
    const canon = d.querySelector('link[rel=canonical]'), doc = d.documentElement.lang.replace('_', '-');
    const body = {
      site: SITE,
      url: (canon && /^https?:/.test(canon.href) ? canon.href : location.href).split('#')[0],
      title: d.title.trim().slice(0, 500),
      lang: /^[a-z]{1,8}(-[a-z\d]{1,8}){0,3}$/i.test(doc) ? doc : '',
      selection: { exact: q.exact, prefix: q.prefix || '', suffix: q.suffix || '' },
      clientRequestId: id(),
      author: meta('[name=author],[property$=author]'),
      section: meta('[property$=section]')
    };
    sug.value = q.exact || '';
    form = $('form', {
      novalidate: '',
      input: () => touched = 1,
      submit: e => {
        e.preventDefault();
        if (go.disabled) return;
        for (const f of [wrong, em]) f.removeAttribute('aria-invalid'), f.err.textContent = '';
        if (typed && !(body.selection.exact = flat(wrong.value).trim())) return bad(wrong, tx.eq);
        if (!em.validity.valid) return bad(em, tx.ev);
        const s = sug.value.trim();
        Object.assign(body, { suggestion: s == q.exact ? '' : s, comment: com.value.trim(), readerEmail: em.value, website: trap.value });
        go.disabled = true;
        say(tx.w);
        // No person sends sooner than the service's bot trap allows: wait out the rest
        setTimeout(() => submit(Object.assign(body, { elapsedMs: Date.now() - t0 }), async r => {
          if (!dlg || dlg.q != q) return;
          if (r === 0) return sent || done(tx.off);
          if (r && r.ok) return done(tx.ok);
          go.disabled = false;
          if (!r) return say(tx.ns);
          const p = await r.json().catch(() => ({})), e = p.errors || {};
          if (r.status == 403 || r.status == 404 || e.url || e.site) {
            console.warn(`Corrections: the site "${SITE}" takes no reports from ${location.origin}. To take them, add ${location.origin} to its Origins in the service's settings (Sites:N:Origins).`, p.detail || '');
            return done(tx.eu);
          }
          body.clientRequestId = id();
          say('');
          e.readerEmail ? bad(em, tx.ev) : say(tx.eg);
        }), fill - Date.now() + t0);
      }
    }, ...head, fields, status, buttons);
  }
  dlg = $('dialog', {
    role: 'dialog', 'aria-modal': true, 'aria-labelledby': 't', lang, dir: /^(ar|he)$/.test(lang) ? 'rtl' : 'ltr',
    keydown: e => {
      // The shortcut sends only a form the reader has written in; a second press, or a held key, does nothing
      if (e.key == 'Enter' && (e.ctrlKey || e.metaKey)) e.preventDefault(), touched && !e.repeat && form.requestSubmit && form.requestSubmit();
      if (e.key != 'Tab') return;
      const f = [...dlg.querySelectorAll('textarea,input,button')].filter(x => x.tabIndex >= 0 && !x.disabled && x.getClientRects().length);
      const a = f[0], z = f[f.length - 1], at = rt.activeElement;
      if (e.shiftKey ? at == a || !f.includes(at) : at == z) e.preventDefault(), (e.shiftKey ? z : a).focus();
    },
    close: () => {
      dlg.remove();
      dlg = 0;
      if (!sent && q.r) select(q.r);
      if (prev) prev.focus();
    }
  }, form);
  dlg.q = q;
  rt.append(dlg);
  dlg.showModal();
  (long ? close : dlg.querySelector('textarea')).focus();
}

// A report waits in localStorage until answered; resent with its clientRequestId, it is still one report. The id is the
// time in ms, then 80 random bits: the service files it at the end of its index instead of anywhere in it.
const meta = s => d.querySelector(s)?.content?.trim().slice(0, 200) || undefined;
const id = () => Date.now().toString(16).padStart(12, '0') + Array.from(crypto.getRandomValues(new Uint8Array(10)), b => (b + 256).toString(16).slice(1)).join('');
const queue = () => { try { return JSON.parse(localStorage.getItem(QK)) || [] } catch (e) { return [] } };
const queued = cid => queue().some(x => x.b.clientRequestId == cid);
const store = (it, keep) => {
  const q = queue().filter(x => x.b.clientRequestId != it.b.clientRequestId).concat(keep ? [it] : []);
  try { q.length ? localStorage.setItem(QK, JSON.stringify(q.slice(-20))) : localStorage.removeItem(QK) } catch (e) { }
};
const answers = {};
let busy, again, timer;

// Answers with the response, 0 when the report is queued to be sent later, or null when it could not be sent and,
// as the page may not store anything, is not saved either
function submit(body, answer) {
  const it = { u: API + 'reports', b: body, n: 0, at: 0 };
  answers[body.clientRequestId] = answer;
  store(it, 1);
  queued(body.clientRequestId) ? flush(1) : send(it, 1);
}

async function send(it, direct) {
  const cid = it.b.clientRequestId, a = answers[cid];
  let r;
  try {
    r = await fetch(it.u, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(it.b) });
  } catch (e) { }
  // Network failure, 5xx, 408 or 429: try again later
  if (r && r.status < 500 && r.status != 408 && r.status != 429) {
    store(it);
    delete answers[cid];
    if (!r.ok) console.warn('Corrections: report refused', r.status);
  } else if (direct) {
    r = null;
  } else {
    it.n++;
    it.at = Date.now() + Math.min(1000 * 2 ** it.n, 3e5) * (0.8 + Math.random() * 0.4);
    if (queued(cid)) store(it, 1);
    r = 0;
  }
  if (a) a(r);
}

async function flush(all) {
  if (busy) return again = all ? 2 : again || 1;
  busy = 1;
  do {
    const now = Date.now();
    again = 0;
    for (const it of queue()) if (all || it.at <= now) await send(it);
    all = again > 1;
  } while (again);
  busy = 0;
  clearTimeout(timer);
  const q = queue();
  if (q.length) timer = setTimeout(flush, Math.max(Math.min(...q.map(x => x.at)) - Date.now(), 500));
}
addEventListener('online', () => flush(1));
flush(1);
})();
