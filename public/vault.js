// Công Dân Số: the vault's upload form, made kinder on phones. Without this script the form posts as it is; with it,
// a large photo is made smaller on the phone first (a 12-megapixel photo becomes ~300 KB: money and minutes on 2G)
// and a progress bar shows the upload. The server still checks every byte.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var words = {};
  try { words = JSON.parse(form.getAttribute('data-text') || '{}'); } catch (e) {}
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  var MAX_SIDE = 2000, SHRINK_ABOVE = 1.5 * 1024 * 1024;

  function say(text) { if (status) status.textContent = text || ''; }

  function chosen() {
    var inputs = [form.querySelector('input[name="photo"]'), form.querySelector('input[name="file"]')];
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i] && inputs[i].files && inputs[i].files.length) return { name: inputs[i].name, file: inputs[i].files[0] };
    }
    return null;
  }

  // A smaller JPEG of a large photo, or null (not a photo, small enough, or the browser cannot).
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_ABOVE || !window.createImageBitmap) {
      return Promise.resolve(null);
    }
    return createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : null); }, 'image/jpeg', 0.85);
      });
    }).catch(function () { return null; });
  }

  form.addEventListener('submit', function (event) {
    var pick = chosen();
    if (!pick) return; // nothing to upload: let the server say so
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    say(words.shrinking);
    shrink(pick.file).then(function (smaller) {
      var data = new FormData(form);
      data.delete('photo');
      data.delete('file');
      if (smaller) {
        data.append('file', smaller, pick.file.name.replace(/\.[^.]*$/, '') + '.jpg');
      } else {
        data.append('file', pick.file, pick.file.name);
      }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      if (bar) { bar.hidden = false; bar.value = 0; }
      say(words.sending);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && bar) bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        // the server answers 303 back to the page (the notice, or the problems and everything typed, in its flash);
        // XHR follows it, so the answer is the page to show, whatever its status
        document.open();
        document.write(xhr.responseText);
        document.close();
        window.scrollTo(0, 0); // the notice is at the top, as after a plain form post
      };
      xhr.onerror = function () {
        if (bar) bar.hidden = true;
        if (button) button.disabled = false;
        say(words.failed);
      };
      xhr.send(data);
    });
  });
})();
