// The dashboard's chart helpers, a part of `page.js` (see page.ts): formatting, rates, and `chart()`,
// which draws one uPlot chart with its axes sized to their labels and records where it drew them.

/** Formatting and the per-minute rate of counters; uses `state` (the page's store). */
export const FORMAT_JS = String.raw`
  var AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  /** Rate windows per chart width: a rate spans at least a minute, and about 1/RATE_STEPS of the window shown. */
  var RATE_STEPS = 60;
  var measurer = document.createElement('canvas').getContext('2d');

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function textWidth(text, font) { measurer.font = font || AXIS_FONT; return measurer.measureText(text).width; }
  function last(values) { for (var i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]; return null; }
  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    return v.toLocaleString(undefined, { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) { return v === null || v === undefined ? '–' : fmt(v * 100, 2) + ' %'; }
  function ms(v) { return v === null ? null : v * 1000; }
  function mib(v) { return v === null ? null : v / 1048576; }
  /** Fraction digits that tell ticks incr apart: 1 for a step of 2.5 (0, 2.5, 5 and not 0, 3, 5). */
  function digitsFor(incr) {
    if (!(incr > 0 && isFinite(incr))) return 2;
    var d = Math.min(8, Math.max(0, -Math.floor(Math.log10(incr) + 1e-9)));
    while (d < 8 && Math.abs(incr * Math.pow(10, d) - Math.round(incr * Math.pow(10, d))) > 1e-6 * incr * Math.pow(10, d)) d++;
    return d;
  }
  function axisNumber(v, incr) { return fmt(v, digitsFor(incr)); }
  /** Tick steps of a count: whole numbers. */
  var COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  function axisTimes(v, incr) { return fmt(v, digitsFor(incr)) + '×'; }
  /**
   * A price or quantity with about \`sig\` significant digits (at most 8 fraction digits, at least \`minFraction\`):
   * 97,057.75, 1.2346, 0.00087175.
   */
  function sigFmt(v, sig, minFraction) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var whole = v === 0 ? 1 : Math.floor(Math.log10(Math.abs(v))) + 1;
    var digits = Math.min(8, Math.max(minFraction || 0, sig - whole));
    return v.toLocaleString(undefined, { minimumFractionDigits: Math.min(digits, minFraction || 0), maximumFractionDigits: digits });
  }
  function axisPercent(v, incr) { return fmt(v * 100, digitsFor(incr * 100)) + '%'; }
  function pad2(n) { return n < 10 ? '0' + n : String(n); }
  function clock(ms, seconds) { var d = new Date(ms); return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + (seconds ? ':' + pad2(d.getSeconds()) : ''); }
  function day(ms) { var d = new Date(ms); return MONTHS[d.getMonth()] + ' ' + d.getDate(); }
  /** A time as the page says it: the clock, with the day when it is not today. */
  function when(ms) { return (day(ms) === day(Date.now()) ? '' : day(ms) + ' ') + clock(ms, false); }
  /** One-line time-axis labels: seconds only when ticks are under a minute apart, the day alone at midnight. */
  function timeLabel(seconds, incr) {
    var d = new Date(seconds * 1000);
    if (incr >= 86400 || (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0)) return day(seconds * 1000);
    return clock(seconds * 1000, incr < 60);
  }
  function duration(seconds) {
    if (seconds % 86400 === 0) return seconds / 86400 + ' d';
    if (seconds % 3600 === 0) return seconds / 3600 + ' h';
    if (seconds % 60 === 0) return seconds / 60 + ' min';
    return fmt(seconds, 3) + ' s';
  }

  /** The window of the rates in ms: a minute, or whole minutes about 1/RATE_STEPS of the time the page holds. */
  function rateWindowMs() {
    var n = state.t.length;
    var span = n > 1 ? state.t[n - 1] - state.t[0] : 0;
    return Math.max(60000, Math.ceil(span / RATE_STEPS / 60000) * 60000);
  }
  /**
   * Per-minute rate of a counter at each point (times in ms), as Prometheus's rate() without extrapolation:
   * the increase from the oldest point in the window before it (the point before when it is alone in it),
   * a drop counting as a reset to 0, divided by the time between the two. The first point has none.
   */
  function perMinute(values, windowMs) {
    var t = state.t, n = values.length, out = new Array(n).fill(null);
    var increase = new Array(n).fill(null), total = 0, prev = null, i;
    for (i = 0; i < n; i++) {
      if (values[i] === null) continue;
      if (prev !== null) total += values[i] >= prev ? values[i] - prev : values[i];
      prev = values[i];
      increase[i] = total;
    }
    var base = 0, before = -1;
    for (i = 0; i < n; i++) {
      if (increase[i] === null) continue;
      while (base < i && (increase[base] === null || t[base] < t[i] - windowMs)) { if (increase[base] !== null) before = base; base++; }
      var from = base < i ? base : before;
      if (from >= 0 && t[i] > t[from]) out[i] = (increase[i] - increase[from]) / (t[i] - t[from]) * 60000;
    }
    return out;
  }
`;

/** `chart()`, `multiples()` and `dashboardLayout()`; uses `state`, `PALETTE` and the helpers of FORMAT_JS. */
export const CHART_JS = String.raw`
  var TICK = 6, GAP = 4, X_SPACE = 80;
  var TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];
  /** Ticks of a chart of whole days (opts.days): a day, then weeks, then about a month. */
  var DAY_INCRS = [86400, 172800, 604800, 1209600, 2592000];
  var X_PAD = Math.ceil(textWidth('00:00:00') / 2) + 4;

  /**
   * Breaks a time series' lines where the bot was not sampling (stopped, restarted from its saved
   * history): a point with no value is put in each gap longer than 5 times the usual step between
   * two samples and 3 sampling intervals, so that no line is drawn across the time the bot was down.
   */
  function breakGaps(xs, columns) {
    if (xs.length < 3) return { xs: xs, columns: columns, breaks: 0 };
    var steps = [];
    for (var i = 1; i < xs.length; i++) steps.push(xs[i] - xs[i - 1]);
    steps.sort(function (a, b) { return a - b; });
    var limit = Math.max(5 * steps[steps.length >> 1], 3 * (state.interval || 0));
    var outX = [], out = columns.map(function () { return []; }), breaks = 0;
    for (var k = 0; k < xs.length; k++) {
      outX.push(xs[k]);
      for (var c = 0; c < columns.length; c++) out[c].push(columns[c][k] === undefined ? null : columns[c][k]);
      if (k + 1 < xs.length && xs[k + 1] - xs[k] > limit) {
        outX.push((xs[k] + xs[k + 1]) / 2);
        for (var c2 = 0; c2 < columns.length; c2++) out[c2].push(null);
        breaks++;
      }
    }
    return breaks === 0 ? { xs: xs, columns: columns, breaks: 0 } : { xs: outX, columns: out, breaks: breaks };
  }

  function hasData(lines) { return lines.some(function (l) { return l.values.some(function (v) { return v !== null; }); }); }

  /** The axes of a chart; each records the ticks and labels it drew in entry.ticks (see dashboardLayout). */
  function axes(entry, opts) {
    var base = { stroke: css('--muted'), font: AXIS_FONT, gap: GAP, grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid'), width: 1, size: TICK } };
    var x = Object.assign({}, base, {
      space: X_SPACE,
      // Whole seconds at least: the labels show no fraction of a second.
      incrs: opts.days ? DAY_INCRS : opts.x ? undefined : TIME_INCRS,
      filter: inRange,
      values: function (u, splits, _axis, _space, incr) {
        var labels = splits.map(function (s) { return s === null ? null : opts.x && !opts.days ? axisNumber(s, incr) : timeLabel(s, incr); });
        entry.ticks.x = { splits: splits, labels: labels };
        return labels;
      },
    });
    var y = Object.assign({}, base, {
      space: 24,
      incrs: opts.yIncrs,
      filter: inRange,
      values: function (u, splits, _axis, _space, incr) {
        var labels = splits.map(function (v) { return v === null ? null : (opts.yFormat || axisNumber)(v, incr); });
        entry.ticks.y = { splits: splits, labels: labels };
        return labels;
      },
      size: function (u, values) {
        var widest = 0;
        (values || []).forEach(function (v) { if (v !== null) widest = Math.max(widest, textWidth(v)); });
        // At least the room of half a time label, for the first one at the plot's left edge.
        return Math.max(X_PAD, Math.ceil(widest) + TICK + GAP + 6);
      },
    });
    return [x, y];
  }

  /** Ticks outside the scale get no label: uPlot's time ticks can start past the end of a range of a few seconds. */
  function inRange(u, splits, axis) {
    var scale = u.scales[u.axes[axis].scale];
    var slack = (scale.max - scale.min) * 1e-9;
    return splits.map(function (v) { return v < scale.min - slack || v > scale.max + slack ? null : v; });
  }

  function seriesOf(l, i, opts) {
    var color = l.color || PALETTE[i % PALETTE.length];
    var s = { label: l.label, stroke: color, width: l.width || 1.5, spanGaps: false, value: function (u, v) { return v === null ? '–' : (opts.yFormat || fmt)(v); } };
    if (l.dash) s.dash = l.dash;
    // A rate holds over the window before its point: a step, not a slope from the point before.
    if (l.stepped) s.paths = uPlot.paths.stepped({ align: -1 });
    if (l.points) { s.points = { show: true, size: 7, fill: color }; if (l.noLine) s.paths = function () { return null; }; }
    // Bars centred on their x, 70 % of the step between two values, 2 to 24 px wide.
    if (l.bars) { s.paths = uPlot.paths.bars({ size: [0.7, 24, 2], align: 0 }); s.fill = color; s.fillTo = 0; s.points = { show: false }; }
    return s;
  }

  function emptyState(el, title, text) {
    el.textContent = '';
    var head = document.createElement('div');
    head.className = 'title';
    head.textContent = title;
    var empty = document.createElement('div');
    empty.className = 'empty';
    empty.textContent = text;
    el.appendChild(head);
    el.appendChild(empty);
  }

  /**
   * Draws (or redraws) a uPlot chart in the element id; lines: [{ label, values, color?, dash?, width?, stepped?, points? }].
   * lines[].bars draws a series as bars filled in its colour.
   * opts: x (values of a non-time x axis), days (x holds local midnights in seconds: a time axis of whole days,
   * half a day of room at each end for the bars), xRange (fixed [min, max] of a non-time x), yFormat(v, incr), yRange,
   * yIncrs (tick steps, COUNT_INCRS for whole numbers), yInclude (values the y scale must show),
   * hlines, vlines, segments, emptyText (why there is nothing yet, and when there will be), hideWhenAbsent (no line: hidden).
   */
  function chart(id, title, lines, opts) {
    opts = opts || {};
    var el = document.getElementById(id);
    el.hidden = !!opts.hideWhenAbsent && lines.length === 0;
    var filled = hasData(lines);
    el.dataset.points = String(lines.reduce(function (n, l) { return n + l.values.filter(function (v) { return v !== null; }).length; }, 0));
    var lastOf = {};
    lines.forEach(function (l) { lastOf[l.label] = last(l.values); });
    el.dataset.last = JSON.stringify(lastOf);
    var signature = title + '|' + lines.map(function (l) { return l.label; }).join('|') + '|' + filled + '|' + (filled ? '' : opts.emptyText);
    var existing = state.charts.get(id);
    var xs = opts.x || state.t.map(function (t) { return t / 1000; });
    var columns = lines.map(function (l) { return l.values; });
    var broken = opts.x ? { xs: xs, columns: columns, breaks: 0 } : breakGaps(xs, columns);
    var data = [broken.xs].concat(broken.columns);
    if (existing && existing.signature === signature && existing.plot) {
      existing.extra = opts;
      existing.breaks = broken.breaks;
      existing.plot.setData(data);
      return;
    }
    if (existing && existing.signature === signature && !filled) return;
    if (existing && existing.plot) existing.plot.destroy();
    if (el.hidden) { el.textContent = ''; state.charts.set(id, { signature: signature }); return; }
    if (!filled) {
      emptyState(el, title, opts.emptyText || 'no data yet');
      state.charts.set(id, { signature: signature });
      return;
    }
    el.textContent = '';
    var head = document.createElement('div');
    head.className = 'title';
    head.textContent = title;
    el.appendChild(head);
    var entry = { signature: signature, extra: opts, ticks: {}, overlays: [], breaks: broken.breaks };
    var config = {
      width: Math.max(200, el.clientWidth),
      height: opts.height || (el.classList.contains('small') ? 120 : el.classList.contains('square') ? 260 : 180),
      // Room above for a reference line's label, and right of the plot for the last time label.
      padding: [12, X_PAD, 0, 0],
      scales: {
        x: opts.days ? { time: true, range: function (u, min, max) { return [min - 43200, max + 43200]; } } : opts.xRange ? { time: false, range: opts.xRange } : { time: opts.x === undefined },
        y: opts.yRange ? { range: opts.yRange } : opts.yInclude ? { range: function (u, min, max) { return includeRange(min, max, entry.extra.yInclude); } } : {},
      },
      axes: axes(entry, opts),
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      plugins: [{ hooks: { draw: [function (u) { drawExtras(u, entry); }] } }],
      series: [{}].concat(lines.map(function (l, i) { return seriesOf(l, i, opts); })),
    };
    entry.plot = new uPlot(config, data, el);
    state.charts.set(id, entry);
  }

  /** Every chart at its element's width: a card shown or hidden after a chart was drawn moves the grid. */
  function fitCharts() {
    state.charts.forEach(function (c, id) {
      var el = document.getElementById(id);
      if (!c.plot || !el || el.hidden) return;
      var width = Math.max(200, el.clientWidth);
      if (width !== c.plot.width) c.plot.setSize({ width: width, height: c.plot.height });
    });
  }

  /** A y range over min..max and the values to include, with a little room. */
  function includeRange(min, max, include) {
    (include || []).forEach(function (v) { if (v !== null && isFinite(v)) { min = Math.min(min, v); max = Math.max(max, v); } });
    var room = (max - min) * 0.08 || Math.abs(max) * 0.1 || 1;
    return [min - room, max + room];
  }

  /** The points of a chart's lines in canvas pixels. */
  function plotPoints(u) {
    var out = [];
    for (var si = 1; si < u.data.length; si++)
      for (var i = 0; i < u.data[si].length; i++) {
        var v = u.data[si][i];
        if (v !== null && v !== undefined) out.push({ x: u.valToPos(u.data[0][i], 'x', true), y: u.valToPos(v, 'y', true) });
      }
    return out;
  }
  /** Where a reference line's label goes, in canvas pixels, with a few pixels of margin around its text. */
  function labelBox(spot, b, y, width, height, dpr) {
    var m = 4 * dpr;
    var right = spot.right ? b.left + b.width - 4 * dpr : b.left + 4 * dpr + width;
    var top = spot.above ? y - 2 * dpr - height : y + 2 * dpr;
    return { left: right - width - m, right: right + m, top: top - m, bottom: top + height + m };
  }

  /** Horizontal reference lines with their label inside the plot, vertical event markers, segments. */
  function drawExtras(u, entry) {
    var extra = entry.extra;
    entry.overlays = [];
    if (!extra) return;
    var ctx = u.ctx, dpr = devicePixelRatio, b = u.bbox;
    ctx.save();
    (extra.hlines || []).forEach(function (h) {
      var y = u.valToPos(h.value, 'y', true);
      if (y < b.top || y > b.top + b.height) return;
      ctx.strokeStyle = h.color; ctx.setLineDash([6, 4]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
      // uPlot leaves its own text alignment on the context: set every field, and keep the label in the plot.
      ctx.font = (12 * dpr) + 'px ' + AXIS_FONT.replace(/^12px /, '');
      ctx.textAlign = 'right';
      var width = ctx.measureText(h.label).width, height = 14 * dpr;
      // Right of the plot and above the line when that leaves the curve's points clear; else the other end or side.
      var fits = y - height - 2 * dpr >= b.top, room = y + 2 * dpr + height <= b.top + b.height;
      var spots = [];
      [true, false].forEach(function (right) {
        if (fits) spots.push({ right: right, above: true });
        if (room) spots.push({ right: right, above: false });
      });
      if (!spots.length) spots.push({ right: true, above: true });
      var pts = plotPoints(u), spot = spots[0];
      for (var k = 0; k < spots.length; k++) {
        var box = labelBox(spots[k], b, y, width, height, dpr);
        if (!pts.some(function (p) { return p.x >= box.left && p.x <= box.right && p.y >= box.top && p.y <= box.bottom; })) { spot = spots[k]; break; }
      }
      var above = spot.above;
      ctx.textBaseline = above ? 'bottom' : 'top';
      var tx = spot.right ? b.left + b.width - 4 * dpr : b.left + 4 * dpr + width, ty = above ? y - 2 * dpr : y + 2 * dpr;
      var top = above ? ty - height : ty;
      // On the panel's colour, so a curve under the label does not cross its text.
      ctx.fillStyle = css('--panel');
      ctx.fillRect(tx - width - 2 * dpr, top, width + 4 * dpr, height);
      ctx.fillStyle = h.color;
      ctx.fillText(h.label, tx, ty);
      // Where the text went, measured with the context's state as drawn (alignment and baseline included).
      var ink = ctx.measureText(h.label);
      entry.overlays.push({ text: h.label, left: (tx - ink.actualBoundingBoxLeft) / dpr, right: (tx + ink.actualBoundingBoxRight) / dpr, top: (ty - ink.actualBoundingBoxAscent) / dpr, bottom: (ty + ink.actualBoundingBoxDescent) / dpr });
    });
    (extra.vlines || []).forEach(function (v) {
      var x = u.valToPos(v.x, 'x', true);
      ctx.strokeStyle = v.color; ctx.setLineDash([2, 3]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
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

  /**
   * One small chart per item in the element id, each with its own y scale: [{ key, title, lines }];
   * charts of items gone are removed.
   */
  function multiples(id, items, opts, emptyText) {
    var box = document.getElementById(id);
    var wanted = items.map(function (it, i) { return id + '-' + i; });
    Array.prototype.slice.call(box.children).forEach(function (child) {
      if (wanted.indexOf(child.id) >= 0) return;
      var c = state.charts.get(child.id);
      if (c && c.plot) c.plot.destroy();
      state.charts.delete(child.id);
      box.removeChild(child);
    });
    if (items.length === 0) {
      if (!box.querySelector('.empty')) { var empty = document.createElement('div'); empty.className = 'empty'; box.appendChild(empty); }
      box.querySelector('.empty').textContent = emptyText;
      return;
    }
    // Every cell first, so each chart is drawn at its final width.
    wanted.forEach(function (cid) {
      if (!document.getElementById(cid)) { var div = document.createElement('div'); div.id = cid; div.className = 'chart small'; box.appendChild(div); }
    });
    var empty = box.querySelector('.empty');
    if (empty) box.removeChild(empty);
    items.forEach(function (it, i) { chart(wanted[i], it.title, it.lines, opts); });
  }

  /**
   * Where each chart drew its texts, in CSS pixels of its canvas: the axis labels (from the ticks uPlot
   * drew and the width of their text in the axis font) and the reference-line labels. Read by the layout test.
   */
  window.dashboardLayout = function () {
    var out = [];
    state.charts.forEach(function (entry, id) {
      if (!entry.plot || !document.getElementById(id) || document.getElementById(id).hidden) return;
      var u = entry.plot, dpr = devicePixelRatio;
      var left = u.bbox.left / dpr, top = u.bbox.top / dpr, bottom = (u.bbox.top + u.bbox.height) / dpr;
      var x = (entry.ticks.x || { splits: [], labels: [] }), y = (entry.ticks.y || { splits: [], labels: [] });
      var xLabels = x.splits.map(function (s, i) {
        if (s === null) return null;
        var c = left + u.valToPos(s, 'x'), w = textWidth(x.labels[i]);
        return { text: x.labels[i], left: c - w / 2, right: c + w / 2, top: bottom + TICK + GAP, bottom: bottom + TICK + GAP + 14 };
      });
      var yLabels = y.splits.map(function (s, i) {
        if (s === null) return null;
        var c = top + u.valToPos(s, 'y'), w = textWidth(y.labels[i]);
        return { text: y.labels[i], left: left - TICK - GAP - w, right: left - TICK - GAP, top: c - 7, bottom: c + 7 };
      });
      out.push({ id: id, width: u.width, height: u.height, plot: { left: left, top: top, right: left + u.bbox.width / dpr, bottom: bottom }, y: { min: u.scales.y.min, max: u.scales.y.max }, xLabels: xLabels.filter(Boolean), yLabels: yLabels.filter(Boolean), overlays: entry.overlays, points: plotPoints(u).map(function (p) { return { x: p.x / dpr, y: p.y / dpr }; }), xScale: { min: u.scales.x.min, max: u.scales.x.max }, breaks: entry.breaks || 0 });
    });
    return out;
  };
`;
