// Live view: polls /api/network every second and fills the lists.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  function fill(id, items, text) {
    var ul = $(id); ul.textContent = "";
    items.forEach(function (x) { var li = document.createElement("li"); li.textContent = text(x); ul.appendChild(li); });
  }
  function draw(v) {
    var n = v.network;
    $("no-network").hidden = !!n;
    fill("elements", n ? n.elements : [], function (e) { return e.name + " (" + e.kind + ")"; });
    fill("links", n ? n.links : [], function (l) { return l.a + " - " + l.b + " (" + l.kind + ")"; });
    fill("net-calls", n ? (n.calls.length ? n.calls : ["none"]) : [], function (c) { return c; });
    $("ladder").textContent = n ? (n.ladder || "No call yet.") : "";
    fill("reps", v.business.representatives, function (r) { return r.name + " (" + r.id + "): " + r.status + (r.call != null ? ", call " + r.call : ""); });
    fill("calls", v.business.calls, function (c) { return "call " + c.call + ": " + c.customer + (c.agent ? " -> " + c.agent : "") + (c.answered ? ", answered" : ""); });
  }
  function poll() {
    fetch("/api/network").then(function (r) { return r.json(); }).then(draw).catch(function () {}).then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
