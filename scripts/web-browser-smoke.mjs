// Manual headless-Chromium smoke of the shop and console; run by scripts/web-browser-smoke.sh (not part of CI).
const base = process.argv[2], port = process.argv[3];
async function tab(url) {
  const r = await fetch(`http://127.0.0.1:${port}/json/new?${encodeURIComponent(url)}`, { method: 'PUT' });
  const t = await r.json();
  const ws = new WebSocket(t.webSocketDebuggerUrl);
  await new Promise(r => ws.onopen = r);
  let id = 0; const pending = new Map();
  ws.onmessage = m => { const d = JSON.parse(m.data); if (d.id && pending.has(d.id)) { pending.get(d.id)(d); pending.delete(d.id); } };
  const send = (method, params = {}) => new Promise(r => { id++; pending.set(id, r); ws.send(JSON.stringify({ id, method, params })); });
  const ev = async (expr) => { const d = await send('Runtime.evaluate', { expression: expr, awaitPromise: true, returnByValue: true }); if (d.result.exceptionDetails) throw new Error(JSON.stringify(d.result.exceptionDetails)); return d.result.result.value; };
  const waitFor = async (expr, what) => { for (let i = 0; i < 100; i++) { const v = await ev(expr); if (v) return v; await new Promise(r => setTimeout(r, 100)); } throw new Error('timeout: ' + what); };
  return { send, ev, waitFor, close: () => ws.close() };
}
const con = await tab(base + '/console');
await con.waitFor(`document.readyState==='complete' && document.getElementById('rep').options.length>0`, 'console loaded');
await con.ev(`document.getElementById('rep').value='cruise-1'; document.getElementById('login').click(); 1`);
await con.waitFor(`document.getElementById('status').textContent==='available'`, 'logged in');
const shop = await tab(base + '/flights');
await shop.waitFor(`document.readyState==='complete'`, 'flights');
await shop.ev(`location.href='/cruises'; 1`);
await new Promise(r => setTimeout(r, 500));
await shop.waitFor(`document.readyState==='complete' && location.pathname==='/cruises'`, 'cruises');
await shop.ev(`document.querySelector('button.add').click(); document.getElementById('talk').click(); document.getElementById('number').value='2015550100'; document.getElementById('note').value='Balcony?'; document.querySelector('#call-form button[type=submit]').click(); 1`);
const said = await shop.waitFor(`document.getElementById('call-status').textContent.startsWith('We are') && document.getElementById('call-status').textContent`, 'shop answer');
console.log('shop says:', said, '| cart:', await shop.ev(`document.getElementById('cart-count').textContent`), '| stored:', await shop.ev(`localStorage.getItem('abc.customer_number')`));
const pop = await con.waitFor(`!document.getElementById('pop-body').hidden && document.getElementById('pop-body').innerText`, 'pop');
console.log('console pop:', pop.replace(/\n/g, ' / '));
await con.ev(`document.querySelector('#result button[type=submit]').click(); 1`);
console.log('console says:', await con.waitFor(`document.getElementById('msg').textContent.startsWith('Recorded') && document.getElementById('msg').textContent`, 'recorded'));
// A second click does not ask for the number again.
await shop.ev(`document.getElementById('talk').click(); 1`);
console.log('number asked again:', await shop.ev(`!document.getElementById('number-row').hidden`), '| known shown:', await shop.ev(`!document.getElementById('known-number').hidden`));
con.close(); shop.close();
process.exit(0);
