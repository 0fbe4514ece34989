// Công Dân Số, assisted registration (/team/register): a small plain script only this page loads. The form works
// without it (a plain post). With it, each registration is first saved on the phone (IndexedDB, with a key made
// here), then sent when there is network; the key makes a resend (a dropped answer, a queue sent twice) land on the
// same registration, never a second account. What is being typed is kept as a draft (a closed tab, a dead battery).
// Server answers: src/teams/api.rs (`register_resident`, `confirm_registration`).
(function () {
  'use strict';
  var form = document.getElementById('assist-form');
  var box = document.getElementById('assist-queue');
  if (!form || !box || !window.indexedDB || !window.fetch) return;
  var text = JSON.parse(box.dataset.text || '{}');
  var list = document.getElementById('assist-list');
  var network = document.getElementById('assist-network');
  // each member's queue and draft are their own (a shared phone, another member signed in later)
  var member = box.dataset.member || '';
  var DRAFT = 'cds-assist-draft:' + member;
  var KEEP_DONE_MS = 7 * 24 * 3600 * 1000;
  var busy = false;
  box.hidden = false;

  // ---- the queue on the phone ----------------------------------------------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open('cds-assist', 1);
      req.onupgradeneeded = function () { req.result.createObjectStore('queue', { keyPath: 'key' }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction('queue', mode);
        var result = work(t.objectStore('queue'));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all() {
    return tx('readonly', function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (i) { return i.member === member; });
    });
  }
  function put(item) { return tx('readwrite', function (s) { s.put(item); }); }
  function drop(key) { return tx('readwrite', function (s) { s.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }
  function fields() {
    var out = [];
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') out.push([k, v]); });
    return out;
  }
  function fill(pairs) {
    pairs.forEach(function (p) {
      var els = form.elements[p[0]];
      if (!els) return;
      if (els.length !== undefined && !els.tagName) {
        Array.prototype.forEach.call(els, function (e) { e.checked = e.value === p[1]; });
      } else if (els.type === 'checkbox' || els.type === 'radio') {
        els.checked = els.value === p[1];
      } else if (els.type !== 'hidden') {
        els.value = p[1];
      }
      var slot = /^d(\d+)_/.exec(p[0]);
      if (slot && p[1]) {
        var d = form.querySelector('details[data-slot="' + slot[1] + '"]');
        if (d) d.open = true;
      }
    });
  }

  // ---- draft: nothing typed is lost ----------------------------------------------------------------------------
  var timer = null;
  function saveDraft() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      try { localStorage.setItem(DRAFT, JSON.stringify(fields())); } catch (_) { /* full or private mode */ }
    }, 300);
  }
  form.addEventListener('input', saveDraft);
  form.addEventListener('change', saveDraft);
  if (!form.querySelector('.field--error')) {
    try {
      var draft = JSON.parse(localStorage.getItem(DRAFT) || 'null');
      if (draft) fill(draft.filter(function (p) { return p[0] !== 'key' && p[0] !== 'recorded_at'; }));
    } catch (_) { /* a broken draft is ignored */ }
  }

  // ---- saving: on the phone first, then sent ---------------------------------------------------------------------
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    form.elements.key.value = newKey();
    form.elements.recorded_at.value = String(Date.now());
    var pairs = fields();
    var name = (form.elements.full_name.value || '').trim();
    put({ key: form.elements.key.value, member: member, fields: pairs, name: name, state: 'waiting', savedAt: Date.now() })
      .then(function () {
        form.reset();
        try { localStorage.removeItem(DRAFT); } catch (_) { /* ignore */ }
        network.textContent = text.saved;
        window.scrollTo(0, 0);
        return render().then(sync);
      })
      .catch(function () { HTMLFormElement.prototype.submit.call(form); });
  });

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body,
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; });
    });
  }

  function sync() {
    if (busy || !navigator.onLine) return render();
    busy = true;
    return all()
      .then(function (items) {
        var todo = items.filter(function (i) { return i.state === 'waiting' || i.state === 'sending'; });
        todo.sort(function (a, b) { return a.savedAt - b.savedAt; });
        var chain = Promise.resolve(true);
        todo.forEach(function (item) {
          chain = chain.then(function (go) {
            if (!go) return false;
            item.state = 'sending';
            return put(item).then(render).then(function () {
              return post('/team/register', new URLSearchParams(item.fields));
            }).then(function (r) {
              var b = r.body || {};
              if (r.status === 201 || r.status === 200) {
                // once the server has it, the phone keeps only the name and the state
                item = { key: item.key, member: member, name: item.name, savedAt: item.savedAt, id: b.id, state: b.state === 'confirmed' ? 'confirmed' : 'pending' };
              } else if (r.status === 409) {
                item = { key: item.key, member: member, name: item.name, savedAt: item.savedAt };
                item.state = 'conflict';
                item.reason = b.reason;
                item.dependant = b.dependant;
              } else if (r.status === 422) {
                item.state = 'rejected';
                item.problems = b.problems || [];
              } else {
                item.state = 'waiting';
                if (r.status === 401) network.textContent = text.signedOut;
                return put(item).then(function () { return false; });
              }
              return put(item).then(function () { return true; });
            }, function () {
              item.state = 'waiting';
              return put(item).then(function () { return false; });
            });
          });
        });
        return chain;
      })
      .catch(function () { /* the next round tries again */ })
      .then(function () { busy = false; return render(); });
  }

  // ---- the list --------------------------------------------------------------------------------------------------
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content) e.textContent = content;
    return e;
  }
  function button(label, onclick) {
    var b = el('button', 'button button--secondary', label);
    b.type = 'button';
    b.addEventListener('click', onclick);
    return b;
  }
  function link(id) {
    var a = el('a', '', text.open);
    a.href = '/team/registrations/' + encodeURIComponent(id);
    return a;
  }
  function problemsText(item) {
    return (item.problems || []).map(function (p) {
      var field = (text.fields && text.fields[p.field]) || p.field;
      return p.who === 'resident' ? field : text.dependant.replace('%n%', p.who.slice(1)) + ': ' + field;
    }).join('; ');
  }
  function codeForm(item) {
    var f = el('form', 'inline-form');
    var id = 'code-' + item.id;
    var label = el('label', '', text.codeLabel);
    label.htmlFor = id;
    var input = el('input');
    input.id = id;
    input.name = 'code';
    input.inputMode = 'numeric';
    input.autocomplete = 'one-time-code';
    input.setAttribute('data-testid', 'code-' + item.id);
    var say = el('span', 'error');
    say.setAttribute('role', 'status');
    var go = el('button', 'button', text.confirm);
    go.type = 'submit';
    f.append(label, input, go, say);
    f.addEventListener('submit', function (event) {
      event.preventDefault();
      post('/team/registrations/confirm', new URLSearchParams({ id: item.id, code: input.value }))
        .then(function (r) {
          if (r.status === 200 && r.body.state === 'confirmed') {
            item.state = 'confirmed';
            return put(item).then(render);
          }
          say.textContent = text.codeWrong;
        }, function () { say.textContent = text.offline; });
    });
    return f;
  }
  function render() {
    network.textContent = network.textContent === text.saved || network.textContent === text.signedOut
      ? network.textContent
      : (navigator.onLine ? text.online : text.offline);
    return all().then(function (items) {
      // confirmed registrations leave the phone after a week
      var old = items.filter(function (i) { return i.state === 'confirmed' && Date.now() - i.savedAt > KEEP_DONE_MS; });
      old.forEach(function (i) { drop(i.key); });
      items = items.filter(function (i) { return old.indexOf(i) < 0; });
      items.sort(function (a, b) { return b.savedAt - a.savedAt; });
      list.textContent = '';
      if (!items.length) list.append(el('li', '', text.queueEmpty));
      items.forEach(function (item) {
        var li = el('li', 'person');
        li.dataset.state = item.state;
        li.dataset.key = item.key;
        var main = el('span');
        main.append(el('strong', '', item.name || '—'), el('br'));
        var warn = item.state !== 'confirmed';
        main.append(el('span', warn ? 'badge badge--warn' : 'badge', text[item.state] || item.state));
        li.append(main);
        var side = el('span', 'person__links');
        if (item.state === 'pending') {
          li.append(codeForm(item));
          side.append(link(item.id));
        } else if (item.state === 'confirmed') {
          side.append(link(item.id), button(text.remove, function () { drop(item.key).then(render); }));
        } else if (item.state === 'conflict') {
          var why = item.reason === 'phone_taken' ? text.conflictPhone
            : item.reason === 'dependant_taken' ? text.conflictDependant.replace('%n%', item.dependant) : text.conflictId;
          main.append(el('br'), el('span', 'meta', why));
          side.append(button(text.remove, function () { drop(item.key).then(render); }));
        } else if (item.state === 'rejected') {
          main.append(el('br'), el('span', 'meta', problemsText(item)));
          side.append(button(text.fix, function () {
            fill(item.fields);
            drop(item.key).then(function () {
              // online, the server shows its exact messages next to each field; offline, the form is refilled
              if (navigator.onLine) HTMLFormElement.prototype.submit.call(form);
              else render();
            });
          }));
        }
        li.append(side);
        list.append(li);
      });
    });
  }

  document.getElementById('assist-send').addEventListener('click', sync);
  window.addEventListener('online', function () { network.textContent = ''; sync(); });
  window.addEventListener('offline', function () { network.textContent = ''; render(); });
  setInterval(sync, 30000);
  sync();
})();
