/**
 * The dashboard's stylesheet and its one small script, served as files from the Worker (it has
 * no file system; no CDN): the pages carry no inline style or script, so they run under
 * `script-src 'self'; style-src 'self'`.
 */

export const DASHBOARD_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f9;color:#1d2433}
a{color:#1f5fbf}
header.top{background:#14213d;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;position:sticky;top:0;z-index:5}
header.top h1{font-size:17px;margin:0;white-space:nowrap}
header.top nav{display:flex;gap:4px;flex-wrap:wrap}
header.top nav a{color:#cfe0ff;text-decoration:none;padding:4px 10px;border-radius:6px;white-space:nowrap}
header.top nav a.on{background:#2c3e66;color:#fff;font-weight:600}
header.top form.logout{margin:0 0 0 auto}header.top form.logout button{background:transparent;border:1px solid #cfe0ff;color:#cfe0ff;padding:4px 10px;border-radius:6px}
header.top .right{margin-left:auto;display:flex;gap:10px;align-items:center;flex-wrap:wrap;font-size:13px}
header.top .right a{color:#cfe0ff}
main{padding:16px;max-width:1280px;margin:0 auto}
h2{font-size:16px;margin:22px 0 8px} h3{font-size:14px;margin:14px 0 6px}
.muted{color:#5b6475}.small{font-size:12px}
.toolbar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:4px 0 12px}
.toolbar a.win{padding:3px 10px;border:1px solid #cfd6e2;border-radius:14px;text-decoration:none;background:#fff;color:#1d2433}
.toolbar a.win.on{background:#14213d;color:#fff;border-color:#14213d}
.refresh{display:inline-flex;gap:8px;align-items:center;font-size:12px;color:#5b6475}
.refresh button{padding:2px 8px;font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:10px 12px;min-width:0}
.card .k{color:#5b6475;font-size:11px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:600;margin-top:2px;overflow-wrap:anywhere}
.card .sub{font-size:12px;color:#5b6475}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.panel{background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:10px 12px;min-width:0}
figure.chart{margin:0;background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:8px 10px;min-width:0}
figure.chart figcaption{font-weight:600;font-size:13px;margin-bottom:4px}
figure.chart svg{width:100%;height:auto;display:block}
.grid{stroke:#e6e9ef;stroke-width:1}
.tick{font-size:11px;fill:#5b6475}
.line{fill:none;stroke-width:2}
.bar{stroke:none}
.s1{stroke:#2563eb;fill:#2563eb;color:#2563eb}.s2{stroke:#16a34a;fill:#16a34a;color:#16a34a}.s3{stroke:#dc2626;fill:#dc2626;color:#dc2626}.s4{stroke:#a15c00;fill:#a15c00;color:#a15c00}
path.line.s1,path.line.s2,path.line.s3,path.line.s4{fill:none}
.dip{fill:#dc2626;stroke:none}
circle.dot{stroke:none}
.legend{display:flex;gap:12px;flex-wrap:wrap;font-size:12px;margin-top:4px}
.legend .key::before{content:"";display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;background:currentColor;vertical-align:-1px}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #e3e6ec;border-radius:8px;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 9px;border-bottom:1px solid #eef0f4;font-variant-numeric:tabular-nums;vertical-align:top}
th{font-size:12px;color:#5b6475;background:#fafbfc;white-space:nowrap}
th a{color:#5b6475;text-decoration:none}th a.on{color:#14213d;font-weight:700}
td.num,th.num{text-align:right}
td.reason{min-width:220px;max-width:420px;overflow-wrap:anywhere}
td.wrap{overflow-wrap:anywhere}
.ok{color:#137a3a}.bad{color:#b42318}.warn{color:#a15c00}
.pill{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;background:#eef0f4;white-space:nowrap;margin:1px 2px 1px 0}
.pill.bad{background:#fde8e7}.pill.ok{background:#e6f4ea}.pill.warn{background:#fff3dc}
.spark{width:120px;height:28px;display:block}
.caps{display:grid;grid-template-columns:auto auto;gap:0 6px;font-size:12px;white-space:nowrap}
.barlist{list-style:none;margin:0;padding:0}
.barlist li{display:grid;grid-template-columns:minmax(80px,38%) 1fr auto;gap:8px;align-items:center;padding:3px 0}
.bl-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bl-bar{width:100%;height:10px}
.bl-value{font-variant-numeric:tabular-nums}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:10px}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#5b6475;gap:2px;min-width:0}
form.filters select,form.filters input{padding:5px;font:inherit;max-width:100%}
form.sortbar{display:none;margin-bottom:8px}
button{padding:6px 12px;background:#14213d;color:#fff;border:0;border-radius:6px;font:inherit;cursor:pointer}
button.link{background:none;color:#1f5fbf;padding:0;text-decoration:underline}
form.inline{display:inline}
pre{background:#0f172a;color:#e2e8f0;padding:10px;border-radius:6px;overflow-x:auto;font-size:12px;max-width:100%;white-space:pre-wrap;overflow-wrap:anywhere}
details{margin:4px 0}details summary{cursor:pointer;color:#1f5fbf}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}
dl.facts dt{color:#5b6475}dl.facts dd{margin:0;overflow-wrap:anywhere}
ol.timeline{margin:0;padding-left:20px}ol.timeline li{margin:3px 0}
form.login{background:#fff;border:1px solid #e3e6ec;border-radius:8px;padding:20px;max-width:360px;margin:40px auto}
form.login input{width:100%;padding:8px;margin:8px 0 12px}
.banner{background:#fff3dc;border:1px solid #f0d7a3;padding:8px 12px;border-radius:8px;margin:8px 0}
@media (max-width:640px){
  main{padding:10px}
  header.top{padding:8px 10px}
  header.top .right{margin-left:0;width:100%}
  .card .v{font-size:18px}
  th,td{padding:5px 6px}
  td.reason{min-width:160px}
  /* The operator's tables become one card per row on a phone: every value labelled, nothing to scroll sideways. */
  table.stack thead{display:none}
  form.sortbar{display:flex}
  table.stack tr{display:block;border-bottom:1px solid #e3e6ec;padding:6px 0}
  table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:3px 10px;text-align:right}
  table.stack td::before{content:attr(data-label);color:#5b6475;font-size:12px;text-align:left;flex:none}
  table.stack td.reason{min-width:0;max-width:none;display:block;text-align:left}
  table.stack td.reason::before{display:block}
  table.stack .caps{justify-content:end}
}
`;

/** Auto-refresh (pausable, remembered per browser) for pages that carry `data-refresh`. */
export const DASHBOARD_JS = `(function () {
  var box = document.querySelector("[data-refresh]");
  if (!box) return;
  var every = Number(box.getAttribute("data-refresh")) || 30;
  var left = every;
  var on = localStorage.getItem("lw-refresh") !== "off";
  var label = box.querySelector("span");
  var button = box.querySelector("button");
  function paint() {
    if (label) label.textContent = on ? "Refreshing in " + left + " s" : "Auto-refresh paused";
    if (button) button.textContent = on ? "Pause" : "Resume";
  }
  if (button) button.addEventListener("click", function () {
    on = !on;
    localStorage.setItem("lw-refresh", on ? "on" : "off");
    left = every;
    paint();
  });
  setInterval(function () {
    if (!on) return;
    left -= 1;
    if (left <= 0) { location.reload(); return; }
    paint();
  }, 1000);
  paint();
})();
`;
