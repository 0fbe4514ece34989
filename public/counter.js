// Công Dân Số, service counter (/counter/scan): a small plain script only this page loads, so citizens never
// download it. Two things the server-rendered form cannot do by itself:
//  1. Scan with the camera where the browser reads QR codes itself (BarcodeDetector): the code read goes into the
//     text box and the form is sent, as if pasted. Elsewhere the photo button (the server reads the picture) is
//     the way.
//  2. Check a code with no network: the page keeps the public keys (/api/v1/qr/keys) when online; offline, a
//     pasted or scanned code is checked here (Ed25519 in WebCrypto), and the verdict says that revocation could
//     not be checked and nothing was recorded. Token layout: src/qr/token.rs.
(function () {
  'use strict';
  var KEYS = 'cds-qr-keys';
  var box = document.getElementById('camera');
  var form = document.getElementById('counter-form');
  if (!box || !form) return;
  var text = JSON.parse(box.dataset.text || '{}');
  var button = box.querySelector('button');
  var status = box.querySelector('[role=status]');
  var video = box.querySelector('video');
  var field = document.getElementById('token');
  var running = false;
  var stream = null;
  box.hidden = false;

  function say(key) {
    status.textContent = (key && text[key]) || '';
  }

  // ---- keys, kept for offline checks --------------------------------------------------------------------------
  if (navigator.onLine) {
    fetch('/api/v1/qr/keys')
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.keys) localStorage.setItem(KEYS, JSON.stringify({ keys: body.keys, at: Date.now() }));
      })
      .catch(function () {});
  }

  // ---- offline verification ------------------------------------------------------------------------------------
  var B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

  function base45(s) {
    var out = [];
    for (var i = 0; i < s.length; i += 3) {
      var chunk = s.slice(i, i + 3);
      var v = [];
      for (var j = 0; j < chunk.length; j++) {
        var d = B45.indexOf(chunk[j]);
        if (d < 0) return null;
        v.push(d);
      }
      if (v.length === 3) {
        var n = v[0] + v[1] * 45 + v[2] * 2025;
        if (n > 0xffff) return null;
        out.push(n >> 8, n & 0xff);
      } else if (v.length === 2) {
        var m = v[0] + v[1] * 45;
        if (m > 0xff) return null;
        out.push(m);
      } else {
        return null;
      }
    }
    return new Uint8Array(out);
  }

  function fromBase64url(s) {
    var b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    var out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  // The signed part of a token, read as src/qr/token.rs writes it; null when anything is missing or left over.
  function payload(bytes) {
    var at = 0;
    function take(n) {
      if (at + n > bytes.length) throw 0;
      var s = bytes.subarray(at, at + n);
      at += n;
      return s;
    }
    function u8() { return take(1)[0]; }
    function u16() { var b = take(2); return (b[0] << 8) | b[1]; }
    function u32() { var b = take(4); return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3]; }
    function str() { return new TextDecoder().decode(take(u8())); }
    try {
      if (u8() !== 1) return null;
      var p = { kid: hex(take(4)), code: take(10), level: u8(), preset: u8(), claims: {} };
      p.issued = u32();
      p.from = p.issued + u16() * 60;
      p.expires = u32();
      if (p.preset === 1) {
        p.claims.name = str();
        p.claims.year = u16();
        str();
      } else if (p.preset === 2) {
        p.claims.adult = u8() === 1;
        str();
      } else if (p.preset === 3) {
        p.claims.name = str();
        p.claims.birth = str();
        p.claims.sex = u8();
        p.claims.id = str();
      } else {
        return null;
      }
      return at === bytes.length ? p : null;
    } catch (_) {
      return null;
    }
  }

  // {valid, reason, payload}: the reasons are the server's (see Reason in src/qr/mod.rs)
  async function checkHere(token) {
    var t = token.trim();
    if (t.indexOf('CDS1:') !== 0) return { valid: false, reason: t.indexOf('CDSC:') === 0 ? 'card' : 'malformed' };
    var bytes = base45(t.slice(5));
    if (!bytes || bytes.length <= 64) return { valid: false, reason: 'malformed' };
    var signed = bytes.subarray(0, bytes.length - 64);
    var signature = bytes.subarray(bytes.length - 64);
    var p = payload(signed);
    if (!p) return { valid: false, reason: 'malformed' };
    var kept = JSON.parse(localStorage.getItem(KEYS) || 'null');
    var key = kept && kept.keys.filter(function (k) { return k.kid === p.kid; })[0];
    if (!key) return { valid: false, reason: 'unknown_key' };
    var good;
    try {
      var k = await crypto.subtle.importKey('raw', fromBase64url(key.public_key), { name: 'Ed25519' }, false, ['verify']);
      good = await crypto.subtle.verify({ name: 'Ed25519' }, k, signature, signed);
    } catch (_) {
      return { valid: false, reason: 'no_crypto' };
    }
    if (!good) return { valid: false, reason: 'bad_signature' };
    var now = Date.now() / 1000;
    if (p.from > now + 300) return { valid: false, reason: 'not_yet_valid' };
    if (p.expires <= now) return { valid: false, reason: 'expired' };
    return { valid: true, payload: p };
  }

  function line(parent, label, value) {
    var dt = document.createElement('dt');
    dt.textContent = label;
    var dd = document.createElement('dd');
    dd.textContent = value;
    parent.appendChild(dt);
    parent.appendChild(dd);
  }

  function showVerdict(result) {
    var old = document.querySelector('[data-testid=verdict]');
    if (old) old.remove();
    var section = document.createElement('section');
    section.className = 'verdict ' + (result.valid ? 'verdict--ok' : 'verdict--bad');
    section.setAttribute('role', result.valid ? 'status' : 'alert');
    section.setAttribute('data-testid', 'verdict');
    var title = document.createElement('p');
    title.className = 'verdict__title';
    title.textContent = result.valid ? '✓ ' + text.valid : '✗ ' + text.invalid;
    section.appendChild(title);
    var note = document.createElement('p');
    note.textContent = result.valid ? text.offlineNote : (text['reason' + result.reason.replace(/(^|_)(\w)/g, function (_, __, c) { return c.toUpperCase(); })] || text.reasonMalformed);
    section.appendChild(note);
    if (result.valid) {
      var p = result.payload;
      var facts = document.createElement('dl');
      facts.className = 'facts';
      if (p.claims.name) line(facts, text.claimName, p.claims.name);
      if (p.claims.year) line(facts, text.claimYear, String(p.claims.year));
      if (p.claims.birth) line(facts, text.claimBirth, p.claims.birth.split('-').reverse().join('/'));
      if (p.claims.sex) line(facts, text.claimSex, p.claims.sex === 1 ? text.male : text.female);
      if (p.claims.id) line(facts, text.claimId, p.claims.id);
      if (p.claims.adult !== undefined) line(facts, text.claimAdult, p.claims.adult ? text.adultYes : text.adultNo);
      section.appendChild(facts);
    }
    var heading = document.querySelector('main h1');
    heading.parentNode.insertBefore(section, heading.nextSibling);
    section.scrollIntoView();
  }

  form.addEventListener('submit', function (event) {
    if (navigator.onLine) return; // online: the server checks, with revocation, and records the check
    event.preventDefault();
    var token = field.value;
    if (!token.trim()) {
      showVerdict({ valid: false, reason: 'photo_offline' });
      return;
    }
    checkHere(token).then(showVerdict);
  });

  // ---- camera ------------------------------------------------------------------------------------------------
  function stop() {
    running = false;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    button.textContent = text.start;
  }

  function pause(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function scan() {
    if (running) {
      stop();
      say(null);
      return;
    }
    if (!('BarcodeDetector' in window) || !navigator.mediaDevices) {
      say('unsupported');
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (_) {
      say('denied');
      return;
    }
    running = true;
    video.srcObject = stream;
    video.hidden = false;
    button.textContent = text.stop;
    say('looking');
    try {
      await video.play();
    } catch (_) {
      // autoplay refused: frames still arrive once the stream starts
    }
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    while (running) {
      await pause(250);
      var codes = [];
      try {
        codes = await detector.detect(video);
      } catch (_) {
        continue;
      }
      if (codes.length && codes[0].rawValue) {
        var found = codes[0].rawValue;
        stop();
        say(null);
        field.value = found;
        form.requestSubmit();
        return;
      }
    }
  }

  button.addEventListener('click', scan);
})();
