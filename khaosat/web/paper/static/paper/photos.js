/* Phone photos of paper forms: each photo taken (or picked) is added to a list, and all are
 * sent in one request with the upload's progress shown per photo; the server reads them in the
 * background and the batch page lists what became of each photo. Without this script the form
 * still sends the chosen photo. No dependencies. */
(function () {
  "use strict";
  var form = document.getElementById("photo-form");
  if (!form) { return; }
  form.classList.add("js");
  var list = document.getElementById("photo-list");
  var total = document.getElementById("photo-total");
  var error = document.getElementById("photo-error");
  var bar = document.getElementById("photo-progress");
  var send = document.getElementById("photo-send");
  var limit = parseInt(form.dataset.limit, 10) || 0;
  var photos = [];

  function mb(n) { return (n / 1048576).toFixed(1).replace(".", ",") + " MB"; }
  function size() { return photos.reduce(function (s, f) { return s + f.size; }, 0); }
  function say(text) { error.textContent = text; error.hidden = !text; }

  function render() {
    list.textContent = "";
    photos.forEach(function (f, i) {
      var li = document.createElement("li");
      li.dataset.index = String(i);
      li.appendChild(document.createTextNode(f.name + " (" + mb(f.size) + ")"));
      var state = document.createElement("span");
      state.className = "photo-state";
      li.appendChild(state);
      var rm = document.createElement("button");
      rm.type = "button";
      rm.className = "secondary";
      rm.textContent = "Bỏ";
      rm.setAttribute("aria-label", "Bỏ ảnh " + f.name);
      rm.addEventListener("click", function () { photos.splice(i, 1); render(); });
      li.appendChild(rm);
      list.appendChild(li);
    });
    total.textContent = photos.length
      ? photos.length + " ảnh, " + mb(size()) + " (mỗi lần gửi tối đa " + form.dataset.limitText + ")."
      : "Chưa có ảnh nào. Mỗi lần gửi tối đa " + form.dataset.limitText + ".";
    send.textContent = photos.length ? "Gửi " + photos.length + " ảnh và đọc" : "Gửi ảnh và đọc";
  }

  function add(input) {
    Array.prototype.forEach.call(input.files, function (f) {
      if (f.type && f.type.indexOf("image/") !== 0 && !/\.(heic|heif)$/i.test(f.name)) {
        say("Tệp «" + f.name + "» không phải ảnh: chỉ chụp hoặc chọn ảnh của trang phiếu.");
        return;
      }
      say("");
      photos.push(f);
    });
    input.value = "";
    render();
  }

  ["photo-camera", "photo-library"].forEach(function (id) {
    var input = document.getElementById(id);
    input.removeAttribute("name");  // the script sends the list, not the inputs
    input.addEventListener("change", function () { add(input); });
  });

  function states(loaded) {  // which photos are already sent, from the bytes sent so far
    var at = 0;
    list.querySelectorAll("li").forEach(function (li, i) {
      at += photos[i].size;
      li.querySelector(".photo-state").textContent = loaded >= at ? "đã gửi" : "đang gửi…";
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!photos.length) { say("Hãy chụp hoặc chọn ít nhất một ảnh."); return; }
    if (limit && size() > limit) {
      say("Các ảnh đã chọn nặng " + mb(size()) + ", quá mức " + form.dataset.limitText +
          " cho một lần gửi: hãy bỏ bớt ảnh, gửi phần còn lại lần sau.");
      return;
    }
    say("");
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    photos.forEach(function (f) { data.append("files", f, f.name); });
    var xhr = new XMLHttpRequest();
    var progress = bar.querySelector("progress"), text = bar.querySelector(".photo-progress-text");
    bar.hidden = false;
    send.disabled = true;
    list.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      progress.value = Math.round(100 * e.loaded / e.total);
      text.textContent = "Đang gửi: " + progress.value + "%";
      states(e.loaded * size() / e.total);
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 400) {
        states(size());
        text.textContent = "Đã gửi; đang mở trang kết quả…";
        location.href = xhr.responseURL;  // the batch page, where the reading shows
      } else {
        send.disabled = false;
        say("Máy chủ không nhận ảnh (mã " + xhr.status + "): " + (xhr.responseText || "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300));
      }
    });
    xhr.addEventListener("error", function () {
      send.disabled = false;
      say("Không gửi được (mất mạng?): ảnh vẫn còn trong danh sách, hãy bấm gửi lại.");
    });
    xhr.open("POST", form.action);
    xhr.send(data);
  });
  render();
})();
