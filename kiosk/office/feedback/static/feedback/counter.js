// Optional: "已输入 N / M 字" under a text box with data-counter (the page works without it).
document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
  var out = document.getElementById(box.getAttribute("data-counter"));
  var max = parseInt(box.getAttribute("maxlength"), 10);
  if (!out || !max) { return; }
  function update() {
    var n = box.value.length;
    out.textContent = "已输入 " + n + " / " + max + " 字";
    out.className = n >= max ? "counter full" : "counter";
  }
  box.addEventListener("input", update);
  update();
});
