/* Corrections reader widget; see docs/widget.md */
(() => {
'use strict';
const d = document, w = window, S = d.currentScript, D = S && S.dataset;
if (!D || !D.site || w.__corrections) return;
w.__corrections = 1;
const SITE = D.site, API = new URL('api/', S.src).href, MAX = 1000, CTX = 64, QK = 'corrections:queue';
const mac = /Mac|iP/.test(navigator.platform);

// title|correction|comment|email|privacy|send|cancel|close|sending|sent|saved|too long|hint|touch hint|bad email|wrong page|refused
const K = 't s c e p k x z w ok off long h ht ev eu eg'.split(' '), T = {
en: 'Report a mistake|Corrected text|Comment (optional)|Email for a thank-you (optional)|Used only to thank you once it is fixed.|Send|Cancel|Close|Sending…|Thank you! The editors have your report.|No connection. Your report is saved and will be sent automatically.|The selection is too long. Please select at most % characters.|Found a mistake? Select it and press %.|Found a mistake? Select it and tap “%”.|Please check the email address, or leave it empty.|Reports cannot be sent from this page.|The report was not accepted. Please shorten it or try again later.',
uk: 'Повідомити про помилку|Виправлений текст|Коментар (необов’язково)|Ел. пошта для подяки (необов’язково)|Лише щоб подякувати, коли помилку виправлять.|Надіслати|Скасувати|Закрити|Надсилаємо…|Дякуємо! Повідомлення отримала редакція.|Немає з’єднання. Повідомлення збережено й буде надіслано автоматично.|Виділено забагато тексту. Виділіть не більше % символів.|Знайшли помилку? Виділіть її та натисніть %.|Знайшли помилку? Виділіть її та торкніться «%».|Перевірте адресу ел. пошти або залиште поле порожнім.|З цієї сторінки не можна надсилати повідомлення.|Повідомлення не прийнято. Скоротіть його або спробуйте пізніше.',
es: 'Informar de un error|Texto corregido|Comentario (opcional)|Correo para darle las gracias (opcional)|Solo para darle las gracias cuando se corrija.|Enviar|Cancelar|Cerrar|Enviando…|¡Gracias! Su aviso ha llegado a la redacción.|Sin conexión. Su aviso está guardado y se enviará automáticamente.|La selección es demasiado larga. Seleccione como máximo % caracteres.|¿Ha visto un error? Selecciónelo y pulse %.|¿Ha visto un error? Selecciónelo y toque «%».|Compruebe la dirección de correo o déjela vacía.|Desde esta página no se pueden enviar avisos.|El aviso no se ha aceptado. Acórtelo o inténtelo más tarde.',
fr: 'Signaler une erreur|Texte corrigé|Commentaire (facultatif)|E-mail pour vous remercier (facultatif)|Uniquement pour vous remercier une fois l’erreur corrigée.|Envoyer|Annuler|Fermer|Envoi…|Merci ! La rédaction a reçu votre signalement.|Pas de connexion. Votre signalement est enregistré et partira automatiquement.|La sélection est trop longue. Sélectionnez au plus % caractères.|Une erreur ? Sélectionnez-la et appuyez sur %.|Une erreur ? Sélectionnez-la et touchez « % ».|Vérifiez l’adresse e-mail ou laissez le champ vide.|Impossible d’envoyer un signalement depuis cette page.|Le signalement n’a pas été accepté. Raccourcissez-le ou réessayez plus tard.',
de: 'Fehler melden|Korrigierter Text|Kommentar (optional)|E-Mail für ein Dankeschön (optional)|Nur, um Ihnen nach der Korrektur zu danken.|Senden|Abbrechen|Schließen|Wird gesendet…|Danke! Die Redaktion hat Ihre Meldung.|Keine Verbindung. Ihre Meldung ist gespeichert und wird automatisch gesendet.|Die Auswahl ist zu lang. Bitte markieren Sie höchstens % Zeichen.|Fehler gefunden? Markieren Sie ihn und drücken Sie %.|Fehler gefunden? Markieren Sie ihn und tippen Sie auf „%“.|Bitte prüfen Sie die E-Mail-Adresse oder lassen Sie das Feld leer.|Von dieser Seite können keine Meldungen gesendet werden.|Die Meldung wurde nicht angenommen. Bitte kürzen oder später erneut senden.',
ru: 'Сообщить об ошибке|Исправленный текст|Комментарий (необязательно)|Эл. почта для благодарности (необязательно)|Только чтобы поблагодарить, когда ошибку исправят.|Отправить|Отмена|Закрыть|Отправляем…|Спасибо! Сообщение получила редакция.|Нет соединения. Сообщение сохранено и будет отправлено автоматически.|Выделено слишком много текста. Выделите не более % символов.|Нашли ошибку? Выделите её и нажмите %.|Нашли ошибку? Выделите её и нажмите «%».|Проверьте адрес эл. почты или оставьте поле пустым.|С этой страницы нельзя отправлять сообщения.|Сообщение не принято. Сократите его или попробуйте позже.',
pl: 'Zgłoś błąd|Poprawiony tekst|Komentarz (opcjonalnie)|E-mail, by podziękować (opcjonalnie)|Tylko po to, by podziękować po poprawieniu błędu.|Wyślij|Anuluj|Zamknij|Wysyłanie…|Dziękujemy! Zgłoszenie trafiło do redakcji.|Brak połączenia. Zgłoszenie jest zapisane i zostanie wysłane automatycznie.|Zaznaczono za dużo tekstu. Zaznacz najwyżej % znaków.|Widzisz błąd? Zaznacz go i naciśnij %.|Widzisz błąd? Zaznacz go i dotknij „%”.|Sprawdź adres e-mail lub zostaw pole puste.|Z tej strony nie można wysyłać zgłoszeń.|Zgłoszenie nie zostało przyjęte. Skróć je lub spróbuj później.'};

const CSS = `:host{all:initial}*{box-sizing:border-box}
dialog,.f{--a:var(--corrections-accent,#0b57d0);--b:var(--corrections-bg,#fff);--c:var(--corrections-fg,#1f1f1f);--m:#5e5e5e;--l:#8e918f;font:16px/1.45 system-ui,sans-serif;color:var(--c)}
@media(prefers-color-scheme:dark){dialog,.f{--a:var(--corrections-accent,#a8c7fa);--b:var(--corrections-bg,#1f1f1f);--c:var(--corrections-fg,#e3e3e3);--m:#a8a8a8}}
dialog{background:var(--b);border:0;border-radius:16px;padding:20px 24px;width:min(32rem,100vw - 16px);max-height:calc(100dvh - 16px);box-shadow:0 16px 48px #0006}
::backdrop{background:#0007}
h2{font-size:1.25em;margin:0}
.n,.p{color:var(--m);font-size:.875em;margin:2px 0 0}
blockquote{margin:16px 0 4px;padding:8px 12px;border-inline-start:4px solid var(--a);border-radius:4px;background:#8881;max-height:9em;overflow:auto;overflow-wrap:anywhere}
mark{background:#ffe083;color:#1f1f1f}
label{display:block;font-weight:600;font-size:.9em;margin:14px 0 4px}
textarea,input{display:block;width:100%;font:inherit;color:inherit;background:var(--b);border:1px solid var(--l);border-radius:8px;padding:8px 10px;resize:vertical}
[aria-invalid=true]{border-color:#d93025}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.st{margin:14px 0 0;font-weight:600}.st:empty{display:none}
.b{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:8px;margin-top:20px}
button{font:inherit;font-weight:600;min-height:40px;padding:0 20px;border-radius:20px;border:1px solid var(--l);background:none;color:var(--a);cursor:pointer}
.k,.f{background:var(--a);color:var(--b);border-color:var(--a)}
button:disabled{opacity:.6}
.f{position:fixed;z-index:2147483647;translate:-50%;min-height:44px;box-shadow:0 4px 16px #0005}
@media(prefers-reduced-motion:no-preference){[open],.f{animation:o .2s}}
@keyframes o{from{opacity:0;transform:translateY(8px)}}`;

let tx, lang, name = '', host, root, dlg, btn, pick, wait, touch = matchMedia('(pointer:coarse)').matches;
const $ = (tag, attrs, ...kids) => {
  const e = d.createElement(tag);
  for (const k in attrs) typeof attrs[k] == 'function' ? e.addEventListener(k, attrs[k]) : e.setAttribute(k, attrs[k]);
  e.append(...kids);
  return e;
};
const known = l => (l = (l || '').toLowerCase().split(/[-_]/)[0], T.hasOwnProperty(l) && l);
const editable = e => e && (e.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.tagName));
const select = r => { const s = getSelection(); s.removeAllRanges(); s.addRange(r); return s };

function strings(siteLang) {
  lang = known(D.lang) || known(siteLang) || known(d.documentElement.lang) || [...navigator.languages].map(known).find(Boolean) || 'en';
  tx = {};
  T[lang].split('|').forEach((s, i) => tx[K[i]] = s);
  try {
    const o = JSON.parse(D.strings || '{}');
    Object.assign(tx, o[lang] || o);
  } catch (e) { console.warn('Corrections: bad data-strings') }
  const hint = () => d.querySelectorAll('[data-corrections-hint]').forEach(e => {
    if (!e.textContent.trim() || e.__c) e.textContent = (touch ? tx.ht : tx.h).replace('%', touch ? tx.t : (mac ? '⌘' : lang == 'de' ? 'Strg' : 'Ctrl') + '+Enter'), e.__c = 1;
  });
  d.readyState == 'loading' ? d.addEventListener('DOMContentLoaded', hint) : hint();
}
strings();
fetch(API + 'sites/' + encodeURIComponent(SITE) + '/widget').then(r => r.ok ? r.json() : Promise.reject(r.status))
  .then(s => { name = s.name; strings(s.language) }, e => console.warn('Corrections: no site ' + SITE, e));

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

function capture() {
  const sel = getSelection();
  if (!sel.rangeCount || sel.isCollapsed || editable(d.activeElement)) return;
  const r = sel.getRangeAt(0), c = r.commonAncestorContainer, el = c.nodeType == 1 ? c : c.parentElement;
  if (!el || editable(el)) return;
  const scope = el.closest('article,main,[role=main]') || d.body;
  // Unlike Range's, Selection's toString() renders like innerText
  const text = x => select(x).toString().replace(/\s+/g, ' ');
  const side = end => {
    const x = d.createRange();
    x.selectNodeContents(scope);
    end ? x.setStart(r.endContainer, r.endOffset) : x.setEnd(r.startContainer, r.startOffset);
    return text(x);
  };
  let prefix = side().trimStart().slice(-CTX), suffix = side(1).trimEnd().slice(0, CTX), exact = text(r);
  select(r);
  if (exact[0] == ' ' && !prefix.endsWith(' ')) prefix += ' ';
  if (exact.endsWith(' ') && suffix[0] != ' ') suffix = ' ' + suffix;
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
  const rs = pick.getClientRects(), b = rs[rs.length - 1] || pick.getBoundingClientRect();
  if (!btn) shadow().append(btn = $('button', {
    class: 'f', type: 'button', mousedown: e => e.preventDefault(),
    click: () => { select(pick); const q = capture(); if (q) open(q) }
  }));
  btn.textContent = tx.t;
  btn.hidden = false;
  btn.style.top = Math.min(b.bottom + 16, innerHeight - 60) + 'px';
  btn.style.left = Math.min(Math.max(b.right, 100), innerWidth - 100) + 'px';
}

function open(q) {
  if (btn) btn.hidden = true;
  const rt = shadow(), prev = d.activeElement, t0 = Date.now(), long = q.exact.length > MAX;
  const status = $('p', { class: 'st', id: 'st', role: 'status', 'aria-live': 'polite' }), say = m => status.textContent = m;
  const close = $('button', { type: 'button', 'aria-describedby': 'st', click: () => dlg.close() }, tx.z);
  const head = [$('h2', { id: 't' }, tx.t), name && $('p', { class: 'n' }, name)];
  let form, sent;
  if (long) {
    say(tx.long.replace('%', MAX));
    form = $('div', {}, ...head, status, $('div', { class: 'b' }, close));
  } else {
    const area = id => $('textarea', { id, rows: 2, maxlength: 2000 });
    const sug = area('s'), com = area('c'), go = $('button', { class: 'k' }, tx.k);
    const em = $('input', { id: 'e', type: 'email', autocomplete: 'email', maxlength: 254, 'aria-describedby': 'p' });
    const trap = $('input', { name: 'website', tabindex: -1, autocomplete: 'off' });
    const cut = (s, n) => s.length > 40 ? (n ? s.slice(0, 40).replace(/\S*$/, '') + '…' : '…' + s.slice(-40).replace(/^\S*/, '')) : s;
    const fields = $('div', {}, $('blockquote', {}, cut(q.prefix), $('mark', {}, q.exact), cut(q.suffix, 1)),
      $('label', { for: 's' }, tx.s), sug, $('label', { for: 'c' }, tx.c), com,
      $('label', { for: 'e' }, tx.e), em, $('p', { class: 'p', id: 'p' }, tx.p), $('div', { hidden: '' }, trap));
    const buttons = $('div', { class: 'b' }, $('button', { type: 'button', click: () => dlg.close() }, tx.x), go);
    const bad = m => (em.setAttribute('aria-invalid', true), em.focus(), say(m));
    const done = m => (sent = 1, say(m), fields.remove(), buttons.replaceChildren(close), close.focus());
    const canon = d.querySelector('link[rel=canonical]'), doc = d.documentElement.lang.replace('_', '-');
    const body = {
      site: SITE,
      url: (canon && /^https?:/.test(canon.href) ? canon.href : location.href).split('#')[0],
      title: d.title.trim().slice(0, 500),
      lang: /^[a-z]{1,8}(-[a-z\d]{1,8}){0,3}$/i.test(doc) ? doc : '',
      selection: { exact: q.exact, prefix: q.prefix, suffix: q.suffix },
      clientRequestId: id(),
      author: (d.querySelector('[name=author],[property$=author]') || {}).content,
      section: (d.querySelector('[property$=section]') || {}).content
    };
    sug.value = q.exact;
    form = $('form', {
      novalidate: '',
      submit: e => {
        e.preventDefault();
        em.removeAttribute('aria-invalid');
        if (go.disabled) return;
        if (!em.validity.valid) return bad(tx.ev);
        const s = sug.value.trim();
        Object.assign(body, { suggestion: s == q.exact ? '' : s, comment: com.value.trim(), readerEmail: em.value, elapsedMs: Date.now() - t0, website: trap.value });
        go.disabled = true;
        say(tx.w);
        submit(body, async r => {
          if (!dlg || dlg.q != q) return;
          if (!r) return sent || done(tx.off);
          if (r.ok) return done(tx.ok);
          go.disabled = false;
          body.clientRequestId = id();
          const e = await r.json().then(p => p.errors || {}, () => ({}));
          e.readerEmail ? bad(tx.ev) : say(r.status == 404 || e.url || e.site ? tx.eu : tx.eg);
        });
      }
    }, ...head, fields, status, buttons);
  }
  dlg = $('dialog', {
    role: 'dialog', 'aria-modal': true, 'aria-labelledby': 't', lang, dir: getComputedStyle(q.el).direction,
    keydown: e => {
      if (e.key == 'Enter' && (e.ctrlKey || e.metaKey) && form.requestSubmit) e.preventDefault(), form.requestSubmit();
      if (e.key != 'Tab') return;
      const f = [...dlg.querySelectorAll('textarea,input,button')].filter(x => x.tabIndex >= 0 && !x.disabled && x.getClientRects().length);
      const a = f[0], z = f[f.length - 1], at = rt.activeElement;
      if (e.shiftKey ? at == a || !f.includes(at) : at == z) e.preventDefault(), (e.shiftKey ? z : a).focus();
    },
    close: () => {
      dlg.remove();
      dlg = 0;
      if (!sent) select(q.r);
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
const id = () => Date.now().toString(16).padStart(12, '0') + Array.from(crypto.getRandomValues(new Uint8Array(10)), b => (b + 256).toString(16).slice(1)).join('');
const load = () => { try { return JSON.parse(localStorage.getItem(QK)) || [] } catch (e) { return [] } };
const store = (it, keep) => {
  const q = load().filter(x => x.b.clientRequestId != it.b.clientRequestId).concat(keep ? [it] : []);
  try { q.length ? localStorage.setItem(QK, JSON.stringify(q.slice(-20))) : localStorage.removeItem(QK) } catch (e) { }
};
const answers = {};
let busy, again, timer;

function submit(body, answer) {
  answers[body.clientRequestId] = answer;
  store({ u: API + 'reports', b: body, n: 0, at: 0 }, 1);
  flush(1);
}

async function send(it) {
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
  } else {
    it.n++;
    it.at = Date.now() + Math.min(1000 * 2 ** it.n, 3e5) * (0.8 + Math.random() * 0.4);
    if (load().some(x => x.b.clientRequestId == cid)) store(it, 1);
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
    for (const it of load()) if (all || it.at <= now) await send(it);
    all = again > 1;
  } while (again);
  busy = 0;
  clearTimeout(timer);
  const q = load();
  if (q.length) timer = setTimeout(flush, Math.max(Math.min(...q.map(x => x.at)) - Date.now(), 500));
}
addEventListener('online', () => flush(1));
flush(1);
})();
