// Công Dân Số, service counter: scanning with the camera where the browser reads QR codes itself
// (BarcodeDetector). A small plain script loaded only by /counter/scan, so citizens never download it. The code
// read goes into the text box and the form is sent, as if it had been pasted. Without this script (or without a
// camera) the photo button still works: it opens the camera on phones and the server reads the picture.
(function () {
  'use strict';
  var box = document.getElementById('camera');
  if (!box) return;
  var button = box.querySelector('button');
  var status = box.querySelector('[role=status]');
  var video = box.querySelector('video');
  var running = false;
  var stream = null;
  box.hidden = false;

  function say(key) {
    status.textContent = (key && box.dataset[key]) || '';
  }

  function stop() {
    running = false;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    button.textContent = box.dataset.start;
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
    button.textContent = box.dataset.stop;
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
        var text = codes[0].rawValue;
        stop();
        var field = document.getElementById('token');
        field.value = text;
        field.form.requestSubmit();
        return;
      }
    }
  }

  button.addEventListener('click', scan);
})();
