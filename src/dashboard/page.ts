// The dashboard page, embedded as strings so the package ships it without a copy step in the build
// (tsc emits only .ts). Plain ES5-style script, no framework; charts by uPlot, served from the package.
// page.js is one closure put together from parts: the store and polling here, formatting and charts
// in page-chart.ts, one render function per panel in page-panels.ts.
import { CHART_JS, FORMAT_JS } from './page-chart.ts';
import { PANELS_JS } from './page-panels.ts';

/** The scrape names the page draws: what it asks `/api/v1/series` for. */
export const PAGE_METRICS: readonly string[] = [
  'portfolio_value',
  'balance',
  'drawdown',
  'max_drawdown',
  'realized_pnl',
  'trades_closed_total',
  'win_rate',
  'profit_factor',
  'sharpe_ratio',
  'sortino_ratio',
  'calmar_ratio',
  'trading_signals_total',
  'executed_trades_total',
  'open_positions',
  'model_drift_events_total',
  'model_accuracy',
  'model_rmse',
  'calibration_reliability',
  'api_requests_total',
  'api_errors_total',
  'api_latency_seconds',
  'api_quota_remaining',
  'db_query_duration_seconds',
  'db_connections_active',
  'db_connection_pool_size',
  'system_cpu_utilization',
  'process_cpu_utilization',
  'system_memory_utilization',
  'process_memory_usage',
  'system_cpu_load_average_1m',
  'nodejs_eventloop_delay_p99',
  'nodejs_eventloop_utilization',
  'v8js_memory_heap_used',
  'v8js_gc_duration',
  'bot_heartbeat_timestamp_seconds',
  // Execution and positions (renderExecution).
  'position_quantity',
  'position_notional',
  'unrealized_pnl',
  'exposure',
  'leverage',
  'strategy_realized_pnl',
  // The statistics of the performance table (renderRatios).
  'payoff_ratio',
  'sqn',
  'max_consecutive_wins',
  'max_consecutive_losses',
  'current_streak',
  'largest_win',
  'largest_loss',
  'gross_profit',
  'gross_loss',
  'trade_fees',
  'average_holding_seconds',
  'drawdown_duration_seconds',
  'max_drawdown_duration_seconds',
  'recovery_factor',
  'value_at_risk',
  'conditional_value_at_risk',
  'tail_ratio',
  'omega_ratio',
  'return_skewness',
  'return_kurtosis',
  'realized_pnl_period',
];

/** `GET /dashboard`. */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Bot monitoring</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/uPlot.min.css">
<link rel="stylesheet" href="/dashboard/page.css">
<script src="/dashboard/uPlot.iife.min.js" defer></script>
<script src="/dashboard/page.js" defer></script>
</head>
<body>
<header>
  <h1>Bot monitoring</h1>
  <label>Symbol <select id="symbol"><option value="">all</option></select></label>
  <label>Model <select id="model"><option value="">all</option></select></label>
  <span id="status" class="muted">loading…</span>
</header>
<main>
  <section class="panel wide" id="panel-equity" data-panel="equity">
    <h2>Equity and drawdown</h2>
    <div class="stats">
      <div><span class="label">Portfolio value</span><span class="value" id="v-portfolio">–</span></div>
      <div><span class="label">Balance</span><span class="value" id="v-balance">–</span></div>
      <div><span class="label">Drawdown</span><span class="value" id="v-drawdown">–</span></div>
      <div><span class="label">Max drawdown</span><span class="value" id="v-max-drawdown">–</span></div>
    </div>
    <div class="chart" id="c-equity"></div>
    <div class="chart small" id="c-drawdown"></div>
  </section>
  <section class="panel" id="panel-pnl" data-panel="pnl">
    <h2>Realized PnL and trades closed</h2>
    <div class="stats">
      <div><span class="label">Realized PnL</span><span class="value" id="v-realized">–</span></div>
      <div><span class="label">Trades closed</span><span class="value" id="v-trades-closed">–</span></div>
      <div><span class="label">Wins / losses / draws</span><span class="value" id="v-outcomes">–</span></div>
    </div>
    <div class="chart" id="c-pnl"></div>
    <div class="chart small" id="c-closed"></div>
  </section>
  <section class="panel" id="panel-ratios" data-panel="ratios">
    <h2>Performance statistics</h2>
    <table class="ratios" id="t-ratios"><thead><tr><th></th><th>lifetime</th><th>rolling</th></tr></thead><tbody></tbody></table>
    <div class="notes muted" id="n-ratios"></div>
  </section>
  <section class="panel" id="panel-daily" data-panel="daily">
    <h2>Daily realized PnL</h2>
    <div class="chart" id="c-daily-pnl"></div>
  </section>
  <section class="panel wide" id="panel-flow" data-panel="flow">
    <h2>Signals and executed trades per minute</h2>
    <div class="chart" id="c-signals"></div>
    <div class="chart" id="c-executed"></div>
  </section>
  <section class="panel" id="panel-positions" data-panel="positions">
    <h2>Open positions</h2>
    <div class="chart small" id="c-positions"></div>
    <table class="list" id="t-positions"><tbody></tbody></table>
    <div class="muted" id="n-positions"></div>
  </section>
  <!-- Half-width cards in pairs: at two columns none leaves a hole beside it. -->
  <section class="panel" id="panel-heartbeat" data-panel="heartbeat">
    <h2>Heartbeat age per loop</h2>
    <div class="chart small" id="c-heartbeat"></div>
    <table class="list" id="t-heartbeat"><tbody></tbody></table>
  </section>
  <section class="panel wide" id="panel-execution" data-panel="execution">
    <h2>Positions, exposure and strategies</h2>
    <table class="list" id="t-open-positions"><thead><tr><th>symbol</th><th>venue</th><th>quantity</th><th>entry</th><th>mark</th><th>unrealized PnL</th></tr></thead><tbody></tbody></table>
    <div class="chart" id="c-exposure"></div>
    <div class="chart small" id="c-leverage"></div>
    <div class="chart" id="c-strategy-pnl"></div>
  </section>
  <section class="panel wide" id="panel-fills" data-panel="fills">
    <h2>Recent fills</h2>
    <div class="scroll"><table class="list" id="t-fills"><thead><tr><th>time</th><th>symbol</th><th>side</th><th>venue</th><th>price</th><th>quantity</th><th>fee</th><th>liquidity</th><th>slippage bps</th></tr></thead><tbody></tbody></table></div>
    <div class="muted" id="n-fills"></div>
  </section>
  <section class="panel wide" id="panel-models" data-panel="models">
    <h2>Models</h2>
    <div class="chart" id="c-accuracy"></div>
    <div class="title" id="h-rmse">RMSE per model</div>
    <div class="multiples" id="c-rmse"></div>
  </section>
  <section class="panel" id="panel-reliability" data-panel="reliability">
    <h2>Reliability diagram</h2>
    <div class="chart square" id="c-reliability"></div>
  </section>
  <section class="panel" id="panel-db" data-panel="db">
    <h2>Database</h2>
    <div class="chart" id="c-db-latency"></div>
    <div class="chart small" id="c-db-pool"></div>
  </section>
  <section class="panel wide" id="panel-api" data-panel="api">
    <h2>Exchange API</h2>
    <div class="chart" id="c-api-rate"></div>
    <div class="chart" id="c-api-errors"></div>
    <div class="chart" id="c-api-latency"></div>
    <div class="chart small" id="c-api-quota"></div>
  </section>
  <section class="panel wide" id="panel-system" data-panel="system">
    <h2>Machine and process</h2>
    <div class="stats">
      <div><span class="label">Machine CPU</span><span class="value" id="v-cpu">–</span></div>
      <div><span class="label">Process RSS</span><span class="value" id="v-rss">–</span></div>
      <div><span class="label">V8 heap used</span><span class="value" id="v-heap">–</span></div>
      <div><span class="label">Event-loop utilization</span><span class="value" id="v-elu">–</span></div>
      <div><span class="label">Event-loop delay p99</span><span class="value" id="v-delay">–</span></div>
      <div><span class="label">GC pause p95 (slowest kind)</span><span class="value" id="v-gc">–</span></div>
    </div>
    <div class="muted" id="n-system"></div>
    <div class="row">
      <div class="chart" id="c-cpu"></div>
      <div class="chart" id="c-memory"></div>
    </div>
    <div class="row">
      <div class="chart small" id="c-load"></div>
      <div class="chart small" id="c-eventloop"></div>
      <div class="chart small" id="c-elu" hidden></div>
      <div class="chart small" id="c-heap" hidden></div>
      <div class="chart small" id="c-gc" hidden></div>
    </div>
  </section>
</main>
</body>
</html>
`;

/** `GET /dashboard/page.css`: light and dark themes from prefers-color-scheme. */
export const PAGE_CSS = String.raw`:root {
  --bg: #f6f7f9; --panel: #ffffff; --fg: #1b1f24; --muted: #5d6570; --grid: #e3e6ea; --accent: #2563eb; --bad: #dc2626; --good: #16a34a;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1318; --panel: #171c23; --fg: #e6e9ee; --muted: #98a1ad; --grid: #2a313b; --accent: #60a5fa; --bad: #f87171; --good: #4ade80; color-scheme: dark; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { position: sticky; top: 0; z-index: 2; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--grid); }
h1 { font-size: 18px; margin: 0 12px 0 0; }
h2 { font-size: 15px; margin: 0 0 8px; }
select { background: var(--bg); color: var(--fg); border: 1px solid var(--grid); border-radius: 4px; padding: 2px 6px; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(460px, 100%), 1fr)); grid-auto-flow: row dense; gap: 12px; padding: 12px; }
.panel { background: var(--panel); border: 1px solid var(--grid); border-radius: 6px; padding: 12px; min-width: 0; }
.panel.wide { grid-column: span 2; }
@media (max-width: 980px) { .panel.wide { grid-column: span 1; } }
.stats { display: flex; gap: 18px; flex-wrap: wrap; margin-bottom: 6px; }
.stats div { display: flex; flex-direction: column; min-width: 0; }
.label, .muted { color: var(--muted); font-size: 12px; }
.value { font-size: 20px; font-variant-numeric: tabular-nums; }
.chart { width: 100%; min-height: 40px; margin-top: 6px; min-width: 0; }
.chart .title, .panel > .title { color: var(--muted); font-size: 12px; margin-top: 6px; }
.empty { color: var(--muted); font-size: 12px; padding: 8px 0; }
.row, .multiples { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0 12px; }
.notes p { margin: 6px 0 0; }
[hidden] { display: none !important; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
td, th { text-align: right; padding: 3px 6px; border-bottom: 1px solid var(--grid); }
td:first-child, th:first-child { text-align: left; }
.failed { color: var(--bad); }
.uplot, .uplot .u-legend { color: var(--fg); font-size: 12px; }
.uplot .u-legend { max-width: 100%; }
.u-legend .u-marker { border-radius: 2px; }
.u-legend.u-inline tr { max-width: 100%; }
.u-legend .u-label { overflow-wrap: anywhere; white-space: normal; }
header select { max-width: 40vw; }
/* A number never breaks: the fills table scrolls inside its card when narrower than its columns. */
.scroll { overflow-x: auto; }
#t-fills td, #t-fills th, #t-open-positions td { white-space: nowrap; }
#t-fills td, #t-fills th { padding: 3px 4px; font-size: 12px; }
/* The statistics table is as tall as two cards: the PnL and daily PnL cards stack beside it. */
#panel-ratios { grid-row: span 2; }
td.single { text-align: center; }
tr.group th { text-align: left; padding-top: 10px; color: var(--muted); font-size: 12px; font-weight: 600; }
.info { position: relative; display: inline-block; margin-left: 4px; width: 15px; height: 15px; line-height: 14px; border: 1px solid var(--muted); border-radius: 50%; color: var(--muted); font-size: 10px; text-align: center; cursor: help; }
.info:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
.info:hover::after, .info:focus::after { content: attr(data-tip); position: absolute; left: 0; top: 18px; z-index: 3; width: max-content; max-width: min(280px, 60vw); white-space: normal; text-align: left; font-size: 12px; line-height: 1.35; color: var(--fg); background: var(--panel); border: 1px solid var(--grid); border-radius: 4px; padding: 4px 6px; box-shadow: 0 2px 6px rgba(0, 0, 0, 0.15); }
`;

/**
 * `GET /dashboard/page.js`: loads the metrics it draws for the selected symbol and model, downsampled
 * to about one point per pixel of the widest chart, then polls `/api/v1/series?since=` every interval
 * and redraws the panels; once the polls have doubled what the last load brought (100 points at least),
 * it loads the whole window again, so the page holds at most about twice `maxPoints` per series.
 */
export const PAGE_JS = String.raw`'use strict';
(function () {
  var PALETTE = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#f97316', '#64748b'];
  var NAMES = ${JSON.stringify(PAGE_METRICS)};
  /** Lines per chart, and small charts per panel of small multiples. */
  var TOP = 8, MULTIPLES = 12;
  /** Longest the panels hold the main thread before yielding, in ms (about a frame). */
  var RENDER_SLICE_MS = 16;
  var state = { t: [], series: new Map(), since: undefined, interval: 5, context: undefined, symbol: '', model: '', loaded: 0, note: '', charts: new Map(), timer: undefined, busy: false, gen: 0, rendered: false };
${FORMAT_JS}
  function keyOf(s) { return s.name + JSON.stringify(s.labels); }
  function setValue(id, v, text) {
    var el = document.getElementById(id);
    el.textContent = text === undefined ? fmt(v) : text;
    el.dataset.value = v === null || v === undefined ? '' : String(v);
  }
  function select(name, where) {
    var out = [];
    state.series.forEach(function (s) {
      if (s.name !== name) return;
      for (var k in where || {}) if (s.labels[k] !== where[k]) return;
      out.push(s);
    });
    return out;
  }
  function one(name, where) { var s = select(name, where)[0]; return s ? s.values : null; }

  /** Sums series into groups named by by(labels); a missing point stays missing only when every member misses it. */
  function groupSum(list, by, field) {
    var groups = new Map();
    list.forEach(function (s) {
      var g = by(s.labels);
      var values = s[field || 'values'];
      var acc = groups.get(g);
      if (!acc) { acc = new Array(state.t.length).fill(null); groups.set(g, acc); }
      for (var i = 0; i < values.length; i++) if (values[i] !== null) acc[i] = (acc[i] || 0) + values[i];
    });
    return groups;
  }
  function total(values) { var s = 0; values.forEach(function (v) { if (v !== null) s += v; }); return s; }
  function top(groups) {
    var entries = Array.from(groups.entries()).sort(function (a, b) { return total(b[1]) - total(a[1]); });
    return entries.slice(0, TOP);
  }
${CHART_JS}
  function labelOf(l, keys) { return keys.map(function (k) { return l[k]; }).filter(Boolean).join(' '); }

${PANELS_JS}
  /**
   * Runs the panels, a few at a time: after a slice of RENDER_SLICE_MS it yields to the browser, so a page
   * of many symbols and models never holds the main thread for the whole render. Stops when the selection
   * changes (gen); resolves when every panel is drawn.
   */
  function render(gen) {
    return new Promise(function (resolve) {
      var next = 0;
      (function slice() {
        var started = performance.now();
        while (next < PANELS.length && gen === state.gen && performance.now() - started < RENDER_SLICE_MS) {
          var f = PANELS[next++];
          try { f(); } catch (e) { console.warn('panel failed', f.name, e); }
        }
        if (next < PANELS.length && gen === state.gen) { setTimeout(slice, 0); return; }
        fitCharts();
        // Read by the load test: the time from navigation to the first whole render.
        if (gen === state.gen && !state.rendered) { state.rendered = true; performance.mark('dashboard-rendered'); }
        resolve();
      })();
    });
  }

  function showStatus() {
    var status = document.getElementById('status');
    status.textContent = state.t.length ? 'updated ' + new Date(state.since).toLocaleTimeString() + ' · every ' + state.interval + ' s' + state.note : 'waiting for the first sample…';
    status.dataset.samples = String(state.t.length);
    status.dataset.now = state.since === undefined ? '' : String(state.since);
  }

  function fillSelect(id, values, current) {
    var el = document.getElementById(id);
    var have = Array.from(el.options).map(function (o) { return o.value; }).join('|');
    var want = [''].concat(values).join('|');
    if (have === want) return;
    el.textContent = '';
    [''].concat(values).forEach(function (v) { var o = document.createElement('option'); o.value = v; o.textContent = v || 'all'; el.appendChild(o); });
    el.value = current;
  }

  /** Appends a response to the store: new timestamps, values of known series, new series padded with gaps. */
  function merge(body) {
    if (body.timestamps.length === 0) return;
    var n = body.timestamps.length;
    var before = state.t.length;
    state.t = state.t.concat(body.timestamps);
    var seen = new Set();
    body.series.forEach(function (s) {
      var k = keyOf(s);
      seen.add(k);
      var fields = s.type === 'histogram' ? ['count', 'p50', 'p95'] : ['values'];
      var stored = state.series.get(k);
      if (!stored) {
        stored = { name: s.name, labels: s.labels, type: s.type };
        fields.forEach(function (f) { stored[f] = new Array(before).fill(null); });
        state.series.set(k, stored);
      }
      fields.forEach(function (f) { stored[f] = stored[f].concat(s[f]); });
    });
    state.series.forEach(function (s, k) {
      if (seen.has(k)) return;
      (s.type === 'histogram' ? ['count', 'p50', 'p95'] : ['values']).forEach(function (f) { s[f] = s[f].concat(new Array(n).fill(null)); });
    });
  }

  /** About one point per pixel of the widest chart. */
  function pointsWanted() {
    var widest = 0;
    Array.prototype.forEach.call(document.querySelectorAll('.chart'), function (el) { widest = Math.max(widest, el.clientWidth); });
    return Math.max(100, Math.min(2000, Math.round(widest)));
  }

  function poll() {
    if (state.busy) return;
    state.busy = true;
    var gen = state.gen;
    // A first load, or polls that doubled what the page holds: the whole window again, downsampled.
    var whole = state.since === undefined || state.t.length > 2 * Math.max(state.loaded, 100);
    var params = new URLSearchParams();
    params.set('names', NAMES.join(','));
    if (state.symbol) params.set('symbol', state.symbol);
    if (state.model) params.set('model', state.model);
    if (whole) params.set('points', String(pointsWanted()));
    else params.set('since', String(state.since));
    fetch('/api/v1/series?' + params.toString(), { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (body) {
        if (gen !== state.gen) return;
        state.interval = body.intervalSeconds;
        state.context = body.context;
        fillSelect('symbol', body.symbols, state.symbol);
        fillSelect('model', body.models, state.model);
        if (whole && body.timestamps.length > 0) {
          state.t = []; state.series = new Map(); state.loaded = body.timestamps.length;
          state.note = body.truncated ? ' · ' + body.series.length + ' of ' + body.matched + ' series: pick a symbol or model' : '';
        }
        if (body.timestamps.length === 0) return;
        merge(body);
        state.since = body.timestamps[body.timestamps.length - 1];
        // The next poll waits for the render: the store does not change under it.
        return render(gen);
      })
      .then(function () { if (gen === state.gen) showStatus(); })
      .catch(function (e) { if (gen === state.gen) document.getElementById('status').textContent = 'update failed: ' + e.message; })
      .then(function () {
        if (gen !== state.gen) return;
        state.busy = false;
        clearTimeout(state.timer);
        state.timer = setTimeout(poll, Math.max(1000, state.interval * 1000));
      });
  }

  function reset() {
    state.gen++;
    state.t = []; state.series = new Map(); state.since = undefined;
    clearTimeout(state.timer);
    state.busy = false;
    poll();
  }

  document.getElementById('symbol').addEventListener('change', function (e) { state.symbol = e.target.value; reset(); });
  document.getElementById('model').addEventListener('change', function (e) { state.model = e.target.value; reset(); });
  var resizeTimer;
  window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(fitCharts, 150); });
  poll();
})();
`;
