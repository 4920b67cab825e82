// The session's photo page: a camera preview with the framing guide (getUserMedia), whose shot is put into the
// pose's file input and sent with its form. Without a camera API (or permission), the file input alone remains:
// on a phone or tablet it opens the camera itself (accept="image/*" capture="user").
(function () {
  "use strict";
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof DataTransfer === "undefined") return;

  let stream = null;
  let facing = "user";

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }

  function closeAll() {
    stop();
    document.querySelectorAll(".photo-camera").forEach(function (el) { el.classList.add("d-none"); });
    document.querySelectorAll(".photo-open").forEach(function (el) { el.classList.remove("d-none"); });
  }

  async function open(form) {
    closeAll();
    const camera = form.querySelector(".photo-camera");
    const video = camera.querySelector(".photo-video");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: facing, width: { ideal: 2400 }, height: { ideal: 3200 } }, audio: false });
    } catch (err) {
      // Refused or no camera: say so once and leave the file input to do the work.
      form.querySelector(".photo-open").textContent = "Camera not available: use the file button below";
      form.querySelector(".photo-open").disabled = true;
      return;
    }
    video.srcObject = stream;
    camera.querySelector(".photo-frame").classList.toggle("mirrored", facing === "user");
    await video.play();
    camera.classList.remove("d-none");
    form.querySelector(".photo-open").classList.add("d-none");
    camera.querySelector(".photo-shoot").focus();
  }

  function shoot(form) {
    const video = form.querySelector(".photo-video");
    if (!video.videoWidth) return;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);  // unmirrored: the photo shows the face as it is
    canvas.toBlob(function (blob) {
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], "camera.jpg", { type: "image/jpeg" }));
      form.querySelector("input[type=file]").files = transfer.files;
      closeAll();
      form.requestSubmit();
    }, "image/jpeg", 0.92);
  }

  document.querySelectorAll("form.photo-form").forEach(function (form) {
    const button = form.querySelector(".photo-open");
    button.classList.remove("d-none");
    button.addEventListener("click", function () { open(form); });
    form.querySelector(".photo-shoot").addEventListener("click", function () { shoot(form); });
    form.querySelector(".photo-close").addEventListener("click", closeAll);
    form.querySelector(".photo-flip").addEventListener("click", function () {
      facing = facing === "user" ? "environment" : "user";
      open(form);
    });
  });
  window.addEventListener("pagehide", stop);
})();
