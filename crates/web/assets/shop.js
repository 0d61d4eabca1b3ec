// ABC Travel shop: recently viewed pages (sessionStorage), the shopper's
// number (localStorage, Fig. 5 step 512), the cart, and the Fig. 7 call request.
(function () {
  "use strict";
  var body = document.body;
  var here = { url: body.dataset.url, title: body.dataset.title };
  if (body.dataset.skill) { here.skill = body.dataset.skill; }
  var $ = function (id) { return document.getElementById(id); };

  // Pages viewed before this one, newest first (at most 20).
  var recent = [];
  try { recent = JSON.parse(sessionStorage.getItem("abc.recent") || "[]"); } catch (e) { recent = []; }
  if (!Array.isArray(recent)) { recent = []; }
  var viewedBefore = recent.filter(function (p) { return p && p.url !== here.url; }).slice(0, 20);
  sessionStorage.setItem("abc.recent", JSON.stringify([{ url: here.url, title: here.title }].concat(viewedBefore).slice(0, 20)));

  // The cart.
  var cart = [];
  try { cart = JSON.parse(localStorage.getItem("abc.cart") || "[]"); } catch (e) { cart = []; }
  function showCart() { $("cart-count").textContent = String(cart.length); }
  showCart();
  Array.prototype.forEach.call(document.querySelectorAll("button.add"), function (b) {
    b.addEventListener("click", function () {
      cart.push({ item: b.dataset.item, unit_price_cents: Number(b.dataset.cents) });
      localStorage.setItem("abc.cart", JSON.stringify(cart));
      showCart();
    });
  });

  // The call button.
  var form = $("call-form");
  function storedNumber() { return localStorage.getItem("abc.customer_number") || ""; }
  function showNumber() {
    var n = storedNumber();
    $("known-number").hidden = !n;
    $("number-row").hidden = !!n;
    $("stored-number").textContent = n;
  }
  $("talk").addEventListener("click", function () { showNumber(); form.hidden = false; $("call-status").textContent = ""; });
  $("cancel").addEventListener("click", function () { form.hidden = true; });
  $("change-number").addEventListener("click", function (e) {
    e.preventDefault(); localStorage.removeItem("abc.customer_number"); showNumber();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var number = storedNumber() || $("number").value.replace(/[^0-9]/g, "");
    if (!/^[0-9]{3,15}$/.test(number)) { $("call-status").textContent = "Please give a telephone number of 3 to 15 digits."; return; }
    var when = $("when").value ? Math.floor(new Date($("when").value).getTime() / 1000) : null;
    var req = {
      server: location.host,
      customer_number: number,
      page: { page: here, recently_viewed: viewedBefore },
      desired_contact_time: when,
      note: $("note").value
    };
    var id = localStorage.getItem("abc.customer_id");
    if (id) { req.customer_id = id; }
    $("call-status").textContent = "Sending...";
    fetch("/api/call-requests", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(req) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (x) {
        if (!x.ok) { $("call-status").textContent = "Sorry: " + x.j.error; return; }
        localStorage.setItem("abc.customer_number", number);
        form.hidden = true;
        var a = x.j, msg;
        if (a.state === "calling") { msg = "We are calling you now at " + number + "."; }
        else if (a.state === "queued") { msg = "All our representatives are busy: you are number " + (a.position + 1) + " in line" + (a.estimated_wait_ms != null ? ", about " + Math.ceil(a.estimated_wait_ms / 60000) + " min." : "."); }
        else if (a.state === "scheduled") { msg = "We will call you at " + new Date(a.due_unix * 1000).toLocaleString() + "."; }
        else { msg = "Sorry, we could not place the call (" + (a.reason || a.state) + ")."; }
        $("call-status").textContent = msg;
      })
      .catch(function (err) { $("call-status").textContent = "Sorry, the request failed: " + err; });
  });
})();
