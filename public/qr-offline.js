// Công Dân Số: the QR codes a phone keeps for use without network (a plain script, so the WASM every citizen
// downloads carries none of this). Format and rules: src/qr/batch.rs.
//  - On /me/qr (online): keeps the day's batch of the chosen preset fresh in localStorage and says for how long.
//  - On /offline/qr (opened by the service worker when there is no network): draws the current window's code.
(function () {
  'use strict';
  var KEY = 'cds-qr';
  var REFRESH_AFTER = 3600;

  function now() {
    return Math.floor(Date.now() / 1000);
  }

  function parse(text) {
    if (!text) return null;
    var lines = text.split('\n');
    var head = lines[0].split(' ');
    if (head[0] !== 'CDSQR1' || head.length < 3) return null;
    var batch = { preset: head[1], made: Number(head[2]), codes: [] };
    for (var i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      var f = lines[i].split(' ');
      var width = Number(f[2]);
      var raw;
      try {
        raw = atob(f[3] || '');
      } catch (_) {
        return null;
      }
      if (!(width >= 21 && width <= 177) || raw.length !== Math.ceil((width * width) / 8)) return null;
      batch.codes.push({ from: Number(f[0]), until: Number(f[1]), width: width, bits: raw });
    }
    return batch;
  }

  function kept() {
    try {
      return parse(localStorage.getItem(KEY));
    } catch (_) {
      return null;
    }
  }

  function current(batch, at) {
    for (var i = 0; i < batch.codes.length; i++) {
      if (batch.codes[i].from <= at && at < batch.codes[i].until) return batch.codes[i];
    }
    return null;
  }

  function until(batch) {
    return batch.codes.reduce(function (m, c) { return Math.max(m, c.until); }, 0);
  }

  function dark(code, x, y) {
    var i = y * code.width + x;
    return (code.bits.charCodeAt(i >> 3) & (0x80 >> (i & 7))) !== 0;
  }

  // one path of horizontal runs, with a quiet zone of four modules
  function svg(code) {
    var size = code.width + 8;
    var d = '';
    for (var y = 0; y < code.width; y++) {
      for (var x = 0; x < code.width; ) {
        if (!dark(code, x, y)) {
          x++;
          continue;
        }
        var start = x;
        while (x < code.width && dark(code, x, y)) x++;
        d += 'M' + (start + 4) + ' ' + (y + 4) + 'h' + (x - start) + 'v1h-' + (x - start) + 'z';
      }
    }
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + size + ' ' + size + '" shape-rendering="crispEdges">' +
      '<rect width="' + size + '" height="' + size + '" fill="#fff"/><path d="' + d + '" fill="#000"/></svg>';
  }

  var saved = document.getElementById('qr-saved');
  if (saved) {
    var preset = saved.dataset.preset;
    var tell = function (batch) {
      saved.textContent = saved.dataset.template.replace('{h}', String(Math.floor((until(batch) - now()) / 3600)));
    };
    var have = kept();
    if (have && have.preset === preset && now() - have.made < REFRESH_AFTER) {
      tell(have);
    } else {
      fetch('/me/qr/batch.txt?preset=' + encodeURIComponent(preset), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          var batch = parse(text);
          if (!batch) return;
          localStorage.setItem(KEY, text);
          tell(batch);
        })
        .catch(function () {});
    }
  }

  var shown = document.getElementById('qr-offline-code');
  if (shown) {
    var words = JSON.parse(shown.dataset.text || '{}');
    var note = document.getElementById('qr-offline-note');
    var show = function () {
      var batch = kept();
      var code = batch && current(batch, now());
      shown.hidden = !code;
      if (!batch) {
        shown.innerHTML = '';
        note.textContent = words.none;
      } else if (!code) {
        shown.innerHTML = '';
        note.textContent = words.ended;
      } else {
        shown.innerHTML = svg(code);
        var end = new Date(code.until * 1000);
        var time = ('0' + end.getHours()).slice(-2) + ':' + ('0' + end.getMinutes()).slice(-2);
        note.textContent = words.until.replace('{preset}', words[batch.preset] || '').replace('{time}', time);
      }
    };
    show();
    setInterval(show, 10000);
  }
})();
