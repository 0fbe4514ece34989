// Công Dân Số: reads the QR code on a chip ID card (CCCD) with the camera, where the browser reads QR codes itself
// (BarcodeDetector), and fills the form around `#card-scan`: ID number, name, birth date, sex, and the address into a
// `street` field if the form has one. Used by /team/register and /assist/move; both forms work without it.
// The card's QR: `ID12|old ID9|full name|DDMMYYYY|Nam/Nữ|address|issue date` (src/qr/cccd.rs reads it on the server).
(function () {
  'use strict';
  var box = document.getElementById('card-scan');
  if (!box || !('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  var form = box.closest('form');
  var text = JSON.parse(box.dataset.text || '{}');
  var button = document.getElementById('card-scan-button');
  var video = document.getElementById('card-scan-video');
  var status = document.getElementById('card-scan-status');
  var stream = null;
  box.hidden = false;
  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    button.textContent = text.scanStart;
  }
  function set(name, value) {
    var els = form.elements[name];
    if (!els) return;
    if (els.length !== undefined && !els.tagName) {
      Array.prototype.forEach.call(els, function (e) { e.checked = e.value === value; });
    } else {
      els.value = value;
    }
  }
  function card(raw) {
    var f = raw.split('|');
    if (f.length < 6 || !/^\d{12}$/.test(f[0].trim()) || !/^\d{8}$/.test(f[3].trim())) return false;
    var d = f[3].trim();
    set('citizen_id', f[0].trim());
    set('full_name', f[2].trim());
    set('birth_date', d.slice(0, 2) + '/' + d.slice(2, 4) + '/' + d.slice(4));
    set('sex', /^n[ữu]/i.test(f[4].trim()) ? 'female' : 'male');
    set('street', f[5].trim());
    // a form that keeps drafts (assist.js) saves on input
    form.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  }
  button.addEventListener('click', function () {
    if (stream) return stop();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      button.textContent = text.scanStop;
      return video.play();
    }).then(function () {
      var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      (function look() {
        if (!stream) return;
        detector.detect(video).then(function (codes) {
          if (codes.length && card(codes[0].rawValue)) {
            status.textContent = text.scanRead;
            return stop();
          }
          if (codes.length) status.textContent = text.scanNotCard;
          setTimeout(look, 300);
        }, function () { setTimeout(look, 300); });
      })();
    }).catch(stop);
  });
})();
