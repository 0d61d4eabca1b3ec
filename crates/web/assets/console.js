// Representative console: log in/out, status, the live screen pop (SSE) and
// the call result form (Fig. 6 steps 612-616).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var source = null, call = null, watching = null, viaNetwork = false;
  function rep() { return $("rep").value; }
  function say(m) { $("msg").textContent = m; }
  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : "{}" })
      .then(function (r) {
        return r.text().then(function (t) {
          var j;
          try { j = JSON.parse(t); } catch (e) { j = { error: t || r.statusText }; }
          if (!r.ok) { throw new Error(j.error || r.statusText); }
          return j;
        });
      });
  }
  function showStatus(v) { $("status").textContent = v.status; }
  function showPop(p) {
    call = p.call;
    // Fig. 9: the network's own ACD picked you; the business follows the call at the network.
    viaNetwork = p.via === "network";
    $("pop-empty").hidden = true; $("pop-body").hidden = false;
    $("pop-call").textContent = String(p.call);
    $("pop-number").textContent = p.customer.number;
    $("pop-name").textContent = p.customer.name || "";
    $("pop-page").textContent = p.page.page.title + " (" + p.page.page.url + ")";
    var ul = $("pop-recent"); ul.textContent = "";
    (p.page.recently_viewed || []).forEach(function (v) { var li = document.createElement("li"); li.textContent = v.title + " (" + v.url + ")"; ul.appendChild(li); });
    $("pop-note").textContent = p.note || "";
    $("pop-state").textContent = viaNetwork
      ? "routed by the network (session " + p.request_id + "): it calls the customer, then you"
      : "being set up: the network calls the customer, then you";
    say("Incoming call from " + p.customer.number);
  }
  // While logged in, keep the status and the popped call's progress fresh
  // (the event stream only brings pops): once a second.
  function refresh() {
    var who = rep();
    fetch("/api/representatives/" + encodeURIComponent(who)).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
      if (v && who === rep()) { showStatus(v.representative); }
      if (call === null || viaNetwork) { return null; }
      var mine = call;
      return fetch("/api/calls").then(function (r) { return r.json(); }).then(function (calls) {
        if (mine !== call) { return; }
        var c = calls.filter(function (x) { return x.call === mine; })[0];
        $("pop-state").textContent = !c ? "ended" : c.answered ? "connected: you are talking with " + c.customer : "being set up: the network calls the customer, then you";
      });
    }).catch(function () {});
  }
  function watch(on) {
    if (watching) { clearInterval(watching); watching = null; }
    if (on) { watching = setInterval(refresh, 1000); }
  }
  function listen() {
    if (source) { source.close(); }
    source = new EventSource("/api/representatives/" + encodeURIComponent(rep()) + "/events");
    source.addEventListener("hello", function (e) { showStatus(JSON.parse(e.data)); });
    source.addEventListener("pop", function (e) { showPop(JSON.parse(e.data)); $("status").textContent = "on_call"; });
    source.addEventListener("away", function () { $("status").textContent = "away"; say("Too many missed calls: you are set away."); });
    source.addEventListener("failed", function (e) { say("Call failed: " + JSON.parse(e.data).reason); });
    source.addEventListener("abandoned", function () { say("The call was abandoned."); });
    source.addEventListener("cancelled", function (e) {
      var c = JSON.parse(e.data).call;
      if (c === call) { call = null; $("pop-body").hidden = true; $("pop-empty").hidden = false; }
      say("Call " + c + " was cancelled by the business.");
    });
  }
  // The representative picked (on load, or another one chosen): if they are
  // logged in already (the page was reloaded), follow their console again.
  function pick() {
    var who = rep();
    call = null; $("pop-body").hidden = true; $("pop-empty").hidden = false;
    if (source) { source.close(); source = null; }
    watch(false);
    if (!who) { return; }
    fetch("/api/representatives/" + encodeURIComponent(who)).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
      if (!v || who !== rep()) { return; }
      showStatus(v.representative);
      if (v.representative.status !== "logged_out") { listen(); watch(true); }
    }).catch(function () {});
  }
  fetch("/api/representatives").then(function (r) { return r.json(); }).then(function (reps) {
    reps.forEach(function (r) { var o = document.createElement("option"); o.value = r.id; o.textContent = r.name + " (" + r.id + ")"; $("rep").appendChild(o); });
    pick();
  });
  $("rep").addEventListener("change", pick);
  $("login").addEventListener("click", function () { post("/api/representatives/" + encodeURIComponent(rep()) + "/login").then(function (v) { showStatus(v); listen(); watch(true); say("Logged in."); }).catch(function (e) { say(e.message); }); });
  $("logout").addEventListener("click", function () { post("/api/representatives/" + encodeURIComponent(rep()) + "/logout").then(function (v) { showStatus(v); if (source) { source.close(); source = null; } watch(false); say("Logged out."); }).catch(function (e) { say(e.message); }); });
  Array.prototype.forEach.call(document.querySelectorAll("button.st"), function (b) {
    b.addEventListener("click", function () { post("/api/representatives/" + encodeURIComponent(rep()) + "/status", { status: b.dataset.status }).then(showStatus).catch(function (e) { say(e.message); }); });
  });
  $("kind").addEventListener("change", function () { var o = $("kind").value === "order"; $("order-lines").hidden = !o; $("text-row").hidden = o; });
  $("result").addEventListener("submit", function (e) {
    e.preventDefault();
    if (call === null) { say("No call to report on yet."); return; }
    var k = $("kind").value, result = { kind: k };
    if (k === "order") { result.lines = [{ item: $("item").value, quantity: Number($("qty").value), unit_price_cents: Number($("price").value) }]; }
    else { result.text = $("text").value; }
    post("/api/calls/" + call + "/result", { representative: rep(), result: result })
      .then(function (rec) { say("Recorded" + (rec.order != null ? ": order " + rec.order : "") + "."); })
      .catch(function (e) { say(e.message); });
  });
})();
