// The dashboard page, embedded as strings so the package ships it without a copy step in the build
// (tsc emits only .ts). Plain ES5-style script, no framework; charts by uPlot, served from the package.

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
  'bot_heartbeat_timestamp_seconds',
  // Execution and positions (renderExecution).
  'position_quantity',
  'position_notional',
  'unrealized_pnl',
  'exposure',
  'leverage',
  'strategy_realized_pnl',
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
    <h2>Performance ratios</h2>
    <table class="ratios" id="t-ratios"><thead><tr><th></th><th>lifetime</th><th>rolling</th></tr></thead><tbody></tbody></table>
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
  </section>
  <section class="panel wide" id="panel-execution" data-panel="execution">
    <h2>Positions, exposure and strategies</h2>
    <table class="list" id="t-open-positions"><thead><tr><th>symbol</th><th>venue</th><th>quantity</th><th>entry</th><th>mark</th><th>unrealized PnL</th></tr></thead><tbody></tbody></table>
    <div class="chart" id="c-exposure"></div>
    <div class="chart" id="c-strategy-pnl"></div>
  </section>
  <section class="panel wide" id="panel-models" data-panel="models">
    <h2>Models</h2>
    <div class="chart" id="c-accuracy"></div>
    <div class="chart" id="c-rmse"></div>
  </section>
  <section class="panel" id="panel-reliability" data-panel="reliability">
    <h2>Reliability diagram</h2>
    <div class="chart square" id="c-reliability"></div>
  </section>
  <section class="panel wide" id="panel-api" data-panel="api">
    <h2>Exchange API</h2>
    <div class="chart" id="c-api-rate"></div>
    <div class="chart" id="c-api-errors"></div>
    <div class="chart" id="c-api-latency"></div>
    <div class="chart small" id="c-api-quota"></div>
  </section>
  <section class="panel" id="panel-db" data-panel="db">
    <h2>Database</h2>
    <div class="chart" id="c-db-latency"></div>
    <div class="chart small" id="c-db-pool"></div>
  </section>
  <section class="panel wide" id="panel-system" data-panel="system">
    <h2>Machine and process</h2>
    <div class="chart" id="c-cpu"></div>
    <div class="chart" id="c-memory"></div>
    <div class="chart small" id="c-load"></div>
    <div class="chart small" id="c-eventloop"></div>
  </section>
  <section class="panel" id="panel-heartbeat" data-panel="heartbeat">
    <h2>Heartbeat age per loop</h2>
    <div class="chart small" id="c-heartbeat"></div>
    <table class="list" id="t-heartbeat"><tbody></tbody></table>
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
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 12px; padding: 12px; }
.panel { background: var(--panel); border: 1px solid var(--grid); border-radius: 6px; padding: 12px; min-width: 0; }
.panel.wide { grid-column: span 2; }
@media (max-width: 980px) { .panel.wide { grid-column: span 1; } }
.stats { display: flex; gap: 18px; flex-wrap: wrap; margin-bottom: 6px; }
.stats div { display: flex; flex-direction: column; }
.label, .muted { color: var(--muted); font-size: 12px; }
.value { font-size: 20px; font-variant-numeric: tabular-nums; }
.chart { width: 100%; min-height: 40px; margin-top: 6px; }
.chart .title { color: var(--muted); font-size: 12px; }
.empty { color: var(--muted); font-size: 12px; padding: 8px 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
td, th { text-align: right; padding: 3px 6px; border-bottom: 1px solid var(--grid); }
td:first-child, th:first-child { text-align: left; }
.failed { color: var(--bad); }
.uplot, .uplot .u-legend { color: var(--fg); font-size: 12px; }
.u-legend .u-marker { border-radius: 2px; }
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
  var TOP = 8;
  var state = { t: [], series: new Map(), since: undefined, interval: 5, symbol: '', model: '', loaded: 0, note: '', charts: new Map(), timer: undefined, busy: false, gen: 0 };

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function keyOf(s) { return s.name + JSON.stringify(s.labels); }
  function last(values) { for (var i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]; return null; }
  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    return v.toLocaleString(undefined, { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) { return v === null || v === undefined ? '–' : fmt(v * 100, 2) + ' %'; }
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
  /** Per-minute increase of a counter (times in ms); a reset (a drop) gives no point. */
  function perMinute(values) {
    var out = new Array(values.length).fill(null);
    for (var i = 1; i < values.length; i++) {
      var a = values[i - 1], b = values[i], dt = state.t[i] - state.t[i - 1];
      if (a !== null && b !== null && b >= a && dt > 0) out[i] = (b - a) / dt * 60000;
    }
    return out;
  }
  function total(values) { var s = 0; values.forEach(function (v) { if (v !== null) s += v; }); return s; }
  function top(groups) {
    var entries = Array.from(groups.entries()).sort(function (a, b) { return total(b[1]) - total(a[1]); });
    return entries.slice(0, TOP);
  }
  function hasData(lines) { return lines.some(function (l) { return l.values.some(function (v) { return v !== null; }); }); }

  /** Draws (or redraws) a uPlot chart; lines: [{ label, values, color?, dash?, width? }]. */
  function chart(id, title, lines, opts) {
    opts = opts || {};
    var el = document.getElementById(id);
    var filled = hasData(lines);
    el.dataset.points = String(lines.reduce(function (n, l) { return n + l.values.filter(function (v) { return v !== null; }).length; }, 0));
    var lastOf = {};
    lines.forEach(function (l) { lastOf[l.label] = last(l.values); });
    el.dataset.last = JSON.stringify(lastOf);
    var signature = title + '|' + lines.map(function (l) { return l.label; }).join('|') + '|' + filled;
    var existing = state.charts.get(id);
    var xs = opts.x || state.t.map(function (t) { return t / 1000; });
    var data = [xs].concat(lines.map(function (l) { return l.values; }));
    if (existing && existing.signature === signature && existing.plot) {
      existing.extra = opts;
      existing.plot.setData(data);
      return;
    }
    if (existing && existing.plot) existing.plot.destroy();
    el.textContent = '';
    var head = document.createElement('div');
    head.className = 'title';
    head.textContent = title;
    el.appendChild(head);
    if (!filled) {
      var empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = opts.emptyText || 'no data yet';
      el.appendChild(empty);
      state.charts.set(id, { signature: signature });
      return;
    }
    var entry = { signature: signature, extra: opts };
    var fg = css('--muted'), grid = css('--grid');
    var axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    var yAxis = Object.assign({}, axis, { size: 60 });
    if (opts.yFormat) yAxis.values = function (u, ticks) { return ticks.map(opts.yFormat); };
    var plugins = [{ hooks: { draw: [function (u) { drawExtras(u, entry.extra); }] } }];
    var config = {
      width: Math.max(200, el.clientWidth),
      height: opts.height || (el.classList.contains('small') ? 120 : el.classList.contains('square') ? 260 : 180),
      scales: { x: { time: opts.x === undefined }, y: opts.yRange ? { range: opts.yRange } : {} },
      axes: [axis, yAxis],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      plugins: plugins,
      series: [{}].concat(lines.map(function (l, i) {
        var color = l.color || PALETTE[i % PALETTE.length];
        var s = { label: l.label, stroke: color, width: l.width || 1.5, spanGaps: false, value: function (u, v) { return v === null ? '–' : (opts.yFormat || fmt)(v); } };
        if (l.dash) s.dash = l.dash;
        if (l.points) { s.points = { show: true, size: 7, fill: color }; s.paths = l.noLine ? function () { return null; } : undefined; }
        return s;
      })),
    };
    entry.plot = new uPlot(config, data, el);
    state.charts.set(id, entry);
  }

  /** Horizontal reference lines and vertical event markers, drawn over the plot. */
  function drawExtras(u, extra) {
    if (!extra) return;
    var ctx = u.ctx;
    ctx.save();
    (extra.hlines || []).forEach(function (h) {
      var y = u.valToPos(h.value, 'y', true);
      ctx.strokeStyle = h.color; ctx.setLineDash([6, 4]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
      ctx.fillStyle = h.color; ctx.font = (12 * devicePixelRatio) + 'px sans-serif';
      ctx.fillText(h.label, u.bbox.left + 6, y - 4);
    });
    (extra.vlines || []).forEach(function (v) {
      var x = u.valToPos(v.x, 'x', true);
      ctx.strokeStyle = v.color; ctx.setLineDash([2, 3]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
    });
    (extra.segments || []).forEach(function (sg) {
      ctx.strokeStyle = sg.color; ctx.setLineDash([4, 4]); ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(u.valToPos(sg.x0, 'x', true), u.valToPos(sg.y0, 'y', true));
      ctx.lineTo(u.valToPos(sg.x1, 'x', true), u.valToPos(sg.y1, 'y', true));
      ctx.stroke();
    });
    ctx.restore();
  }

  function labelOf(l, keys) { return keys.map(function (k) { return l[k]; }).filter(Boolean).join(' '); }

  function renderEquity() {
    var equity = one('portfolio_value') || [];
    var balance = one('balance') || [];
    setValue('v-portfolio', last(equity));
    setValue('v-balance', last(balance));
    chart('c-equity', 'portfolio value and balance', [{ label: 'portfolio value', values: equity }, { label: 'balance', values: balance, dash: [4, 3] }]);
    var dd = one('drawdown', { basis: 'equity' }) || one('drawdown', { basis: 'realized' }) || [];
    var maxdd = last(one('max_drawdown', { basis: 'equity' }) || one('max_drawdown', { basis: 'realized' }) || []);
    setValue('v-drawdown', last(dd), pct(last(dd)));
    setValue('v-max-drawdown', maxdd, pct(maxdd));
    chart('c-drawdown', 'drawdown (fraction of peak)', [{ label: 'drawdown', values: dd, color: css('--bad') }], {
      yFormat: function (v) { return fmt(v * 100, 1) + '%'; },
      hlines: maxdd === null ? [] : [{ value: maxdd, color: css('--bad'), label: 'max drawdown ' + pct(maxdd) }],
    });
  }

  function renderPnl() {
    var sym = state.symbol || 'all';
    var pnl = one('realized_pnl', { symbol: sym }) || [];
    setValue('v-realized', last(pnl));
    chart('c-pnl', 'realized PnL (' + sym + ')', [{ label: 'realized PnL', values: pnl }]);
    var byOutcome = groupSum(select('trades_closed_total'), function (l) { return l.outcome; });
    var lines = ['win', 'loss', 'draw'].map(function (o) { return { label: o, values: byOutcome.get(o) || new Array(state.t.length).fill(null), color: o === 'win' ? css('--good') : o === 'loss' ? css('--bad') : css('--muted') }; });
    var w = last(lines[0].values) || 0, l = last(lines[1].values) || 0, d = last(lines[2].values) || 0;
    var closed = lines.some(function (x) { return last(x.values) !== null; }) ? w + l + d : null;
    setValue('v-trades-closed', closed, fmt(closed, 0));
    setValue('v-outcomes', closed, closed === null ? '–' : fmt(w, 0) + ' / ' + fmt(l, 0) + ' / ' + fmt(d, 0));
    chart('c-closed', 'trades closed (cumulative)', lines);
  }

  function renderRatios() {
    var sym = state.symbol || 'all';
    var rows = [
      ['Win rate', 'win_rate', { symbol: sym }, pct],
      ['Profit factor', 'profit_factor', { symbol: sym }, fmt],
      ['Sharpe', 'sharpe_ratio', {}, fmt],
      ['Sortino', 'sortino_ratio', {}, fmt],
      ['Calmar', 'calmar_ratio', {}, fmt],
    ];
    var body = document.querySelector('#t-ratios tbody');
    body.textContent = '';
    var any = false;
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      var th = document.createElement('td'); th.textContent = r[0]; tr.appendChild(th);
      ['lifetime', 'rolling'].forEach(function (win) {
        var where = Object.assign({ window: win }, r[2]);
        var v = last(one(r[1], where) || []);
        if (v !== null) any = true;
        var td = document.createElement('td');
        td.id = 'v-' + r[1].replace(/_/g, '-') + '-' + win;
        td.textContent = r[3](v);
        td.dataset.value = v === null ? '' : String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById('t-ratios').dataset.points = any ? '1' : '0';
    if (!document.getElementById('win-rate-note')) {
      var note = document.createElement('div');
      note.id = 'win-rate-note'; note.className = 'muted';
      note.textContent = 'lifetime: every closed trade (ratios: every return interval); rolling: the last tradeWindow trades (ratios: the last returnsWindow intervals)';
      document.getElementById('panel-ratios').appendChild(note);
    }
  }

  function renderFlow() {
    var signals = groupSum(select('trading_signals_total'), function (l) { return l.symbol + ' ' + l.direction; });
    var lines = top(signals).map(function (e) { return { label: e[0], values: perMinute(e[1]) }; });
    chart('c-signals', 'signals per minute by symbol and direction' + (signals.size > TOP ? ' (top ' + TOP + ' of ' + signals.size + ')' : ''), lines);
    var executed = groupSum(select('executed_trades_total'), function (l) { return l.symbol + ' ' + l.direction + ' ' + l.status; });
    var ok = top(new Map(Array.from(executed.entries()).filter(function (e) { return !/ failed$/.test(e[0]); })));
    var failed = Array.from(executed.entries()).filter(function (e) { return / failed$/.test(e[0]); });
    var failedAll = groupSum(select('executed_trades_total', { status: 'failed' }), function () { return 'failed (all shown symbols)'; });
    var exLines = ok.map(function (e) { return { label: e[0], values: perMinute(e[1]) }; });
    failedAll.forEach(function (values, label) { exLines.push({ label: label, values: perMinute(values), color: css('--bad'), width: 3 }); });
    chart('c-executed', 'executed trades per minute; failed in red' + (failed.length ? ' (' + failed.length + ' symbol/direction with failures)' : ''), exLines);
  }

  function renderPositions() {
    var list = select('open_positions');
    var byDir = groupSum(list, function (l) { return l.direction; });
    chart('c-positions', 'open positions by direction', Array.from(byDir.entries()).map(function (e) { return { label: e[0], values: e[1] }; }), { emptyText: 'no open positions reported' });
    var body = document.querySelector('#t-positions tbody');
    body.textContent = '';
    list.map(function (s) { return [s.labels.symbol + ' ' + s.labels.direction, last(s.values)]; })
      .filter(function (r) { return r[1] !== null && r[1] !== 0; })
      .sort(function (a, b) { return Math.abs(b[1]) - Math.abs(a[1]); })
      .slice(0, 20)
      .forEach(function (r) {
        var tr = document.createElement('tr');
        var a = document.createElement('td'); a.textContent = r[0];
        var b = document.createElement('td'); b.textContent = fmt(r[1], 6);
        tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
      });
  }

  function driftMarkers() {
    var groups = groupSum(select('model_drift_events_total'), function (l) { return labelOf(l, ['model_name', 'timeframe', 'symbol']); });
    var marks = [];
    groups.forEach(function (values) {
      // A series that appears inside the window counts from 0: its first detections are events too.
      for (var i = 1; i < values.length; i++) if (values[i] !== null && values[i] > (values[i - 1] === null ? 0 : values[i - 1])) marks.push({ x: state.t[i] / 1000, color: css('--bad') });
    });
    return marks;
  }

  function renderModels() {
    var marks = driftMarkers();
    var key = ['model_name', 'timeframe', 'symbol'];
    var acc = select('model_accuracy').slice(0, TOP).map(function (s) { return { label: labelOf(s.labels, key), values: s.values }; });
    chart('c-accuracy', 'accuracy over time; drift events as red dotted lines (' + marks.length + ')', acc, { vlines: marks, yFormat: function (v) { return fmt(v * 100, 1) + '%'; } });
    var rmse = select('model_rmse').slice(0, TOP).map(function (s) { return { label: labelOf(s.labels, key), values: s.values }; });
    chart('c-rmse', 'RMSE over time; drift events marked', rmse, { vlines: marks });
  }

  function renderReliability() {
    var groups = new Map();
    select('calibration_reliability').forEach(function (s) {
      var k = labelOf(s.labels, ['model_name', 'timeframe', 'symbol']);
      var v = last(s.values);
      if (v === null) return;
      if (!groups.has(k)) groups.set(k, new Map());
      groups.get(k).set(Number(s.labels.bin), v);
    });
    var bins = new Set();
    groups.forEach(function (m) { m.forEach(function (_v, b) { bins.add(b); }); });
    var xs = Array.from(bins).sort(function (a, b) { return a - b; });
    var lines = Array.from(groups.entries()).slice(0, TOP).map(function (e) { return { label: e[0], values: xs.map(function (b) { return e[1].has(b) ? e[1].get(b) : null; }), points: true }; });
    chart('c-reliability', 'observed frequency per confidence bin; dashed: perfect calibration', lines, {
      x: xs, yRange: [0, 1], segments: xs.length ? [{ x0: xs[0], y0: xs[0], x1: xs[xs.length - 1], y1: xs[xs.length - 1], color: css('--muted') }] : [],
      emptyText: 'no calibration data yet',
    });
  }

  function renderApi() {
    var requests = groupSum(select('api_requests_total'), function (l) { return l.endpoint; });
    chart('c-api-rate', 'requests per minute by endpoint', top(requests).map(function (e) { return { label: e[0], values: perMinute(e[1]) }; }));
    var errors = groupSum(select('api_errors_total'), function (l) { return l.endpoint; });
    var ratio = top(requests).map(function (e) {
      var req = perMinute(e[1]);
      var err = perMinute(errors.get(e[0]) || new Array(state.t.length).fill(0));
      return { label: e[0], values: req.map(function (r, i) { return r === null || r === 0 ? null : (err[i] || 0) / r; }) };
    });
    chart('c-api-errors', 'error ratio by endpoint', ratio, { yFormat: function (v) { return fmt(v * 100, 1) + '%'; } });
    var lat = [];
    select('api_latency_seconds').slice(0, TOP / 2).forEach(function (s, i) {
      var label = s.labels.method + ' ' + s.labels.endpoint;
      lat.push({ label: 'p50 ' + label, values: s.p50.map(ms), color: PALETTE[i % PALETTE.length], dash: [4, 3] });
      lat.push({ label: 'p95 ' + label, values: s.p95.map(ms), color: PALETTE[i % PALETTE.length] });
    });
    chart('c-api-latency', 'latency p50 / p95 (ms), last minute, from the buckets', lat);
    chart('c-api-quota', 'quota remaining', select('api_quota_remaining').map(function (s) { return { label: s.labels.api, values: s.values }; }));
  }
  function ms(v) { return v === null ? null : v * 1000; }

  function renderDb() {
    chart('c-db-latency', 'query p95 (ms) by operation, last minute', select('db_query_duration_seconds').slice(0, TOP).map(function (s) { return { label: s.labels.operation, values: s.p95.map(ms) }; }));
    var lines = [];
    select('db_connections_active').forEach(function (s) {
      var size = one('db_connection_pool_size', { pool: s.labels.pool }) || [];
      lines.push({ label: s.labels.pool + ' in use', values: s.values.map(function (v, i) { return v === null || !size[i] ? null : v / size[i]; }) });
    });
    chart('c-db-pool', 'pool use (active / size)', lines, { yRange: [0, 1], yFormat: function (v) { return fmt(v * 100, 0) + '%'; } });
  }

  function renderSystem() {
    var proc = groupSum(select('process_cpu_utilization'), function () { return 'process'; }).get('process') || [];
    chart('c-cpu', 'CPU use', [{ label: 'machine', values: one('system_cpu_utilization') || [] }, { label: 'this process', values: proc }], { yFormat: function (v) { return fmt(v * 100, 0) + '%'; } });
    var rss = (one('process_memory_usage') || []).map(function (v) { return v === null ? null : v / 1048576; });
    chart('c-memory', 'memory: machine used (%), process RSS (MiB)', [{ label: 'machine used %', values: (one('system_memory_utilization') || []).map(function (v) { return v === null ? null : v * 100; }) }, { label: 'process RSS MiB', values: rss }]);
    chart('c-load', 'load average (1 min)', [{ label: 'load 1m', values: one('system_cpu_load_average_1m') || [] }]);
    chart('c-eventloop', 'event-loop delay p99 (ms)', [{ label: 'p99', values: (one('nodejs_eventloop_delay_p99') || []).map(ms) }]);
  }

  function renderHeartbeat() {
    var lines = select('bot_heartbeat_timestamp_seconds').map(function (s) {
      return { label: s.labels.loop, values: s.values.map(function (v, i) { return v === null ? null : Math.max(0, state.t[i] / 1000 - v); }) };
    });
    chart('c-heartbeat', 'seconds since the last heartbeat', lines, { emptyText: 'no loop has called heartbeat()' });
    var body = document.querySelector('#t-heartbeat tbody');
    body.textContent = '';
    lines.forEach(function (l) {
      var tr = document.createElement('tr');
      var a = document.createElement('td'); a.textContent = l.label;
      var b = document.createElement('td'); b.textContent = fmt(last(l.values), 1) + ' s';
      tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
    });
  }

  /** The open positions (entry and mark from notional and unrealized PnL), exposure and leverage, realized PnL per strategy. */
  function renderExecution() {
    var body = document.querySelector('#t-open-positions tbody');
    body.textContent = '';
    var rows = 0;
    select('position_quantity').forEach(function (s) {
      var q = last(s.values);
      if (q === null || q === 0 || s.labels.symbol === 'all') return;
      var where = { symbol: s.labels.symbol, venue: s.labels.venue };
      var notional = last(one('position_notional', where) || []);
      var pnl = last(one('unrealized_pnl', where) || []);
      var mark = notional === null ? null : notional / q;
      var entry = notional === null || pnl === null ? null : (notional - pnl) / q;
      var tr = document.createElement('tr');
      [s.labels.symbol, s.labels.venue, fmt(q, 6), fmt(entry, 4), fmt(mark, 4), fmt(pnl, 2)].forEach(function (text) {
        var td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
      });
      body.appendChild(tr);
      rows++;
    });
    body.parentElement.dataset.points = String(rows);
    var lines = select('exposure').map(function (s) { return { label: s.labels.kind, values: s.values }; });
    var lev = one('leverage');
    if (lev) lines.push({ label: 'leverage (x100)', values: lev.map(function (v) { return v === null ? null : v * 100; }), dash: [4, 3] });
    chart('c-exposure', 'exposure at mark by kind; leverage x100 dashed', lines, { emptyText: 'no positions reported (updatePositions)' });
    chart('c-strategy-pnl', 'realized PnL per strategy', select('strategy_realized_pnl').slice(0, TOP + 1).map(function (s) { return { label: s.labels.strategy, values: s.values }; }), { emptyText: 'no closed trade yet' });
  }

  function render() {
    [renderEquity, renderPnl, renderRatios, renderFlow, renderPositions, renderExecution, renderModels, renderReliability, renderApi, renderDb, renderSystem, renderHeartbeat].forEach(function (f) {
      try { f(); } catch (e) { console.warn('panel failed', f.name, e); }
    });
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
        fillSelect('symbol', body.symbols, state.symbol);
        fillSelect('model', body.models, state.model);
        if (whole && body.timestamps.length > 0) {
          state.t = []; state.series = new Map(); state.loaded = body.timestamps.length;
          state.note = body.truncated ? ' · ' + body.series.length + ' of ' + body.matched + ' series: pick a symbol or model' : '';
        }
        if (body.timestamps.length > 0) {
          merge(body);
          state.since = body.timestamps[body.timestamps.length - 1];
          render();
        }
        var status = document.getElementById('status');
        status.textContent = state.t.length ? 'updated ' + new Date(state.since).toLocaleTimeString() + ' · every ' + state.interval + ' s' + state.note : 'waiting for the first sample…';
        status.dataset.samples = String(state.t.length);
        status.dataset.now = state.since === undefined ? '' : String(state.since);
      })
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
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { state.charts.forEach(function (c, id) { if (c.plot) c.plot.setSize({ width: Math.max(200, document.getElementById(id).clientWidth), height: c.plot.height }); }); }, 150);
  });
  poll();
})();
`;
