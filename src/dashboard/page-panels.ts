// The dashboard's panels, a part of `page.js` (see page.ts): one function per panel, listed in PANELS.
// A new panel is a section in PAGE_HTML, a render function here and its entry in PANELS.

export const PANELS_JS = String.raw`
  /** Why a figure is missing and when it will come; every text names the call or setting it waits for. */
  var WHY = {
    equity: 'no equity reported yet: it comes with updatePortfolioMetrics({ portfolioValue })',
    drawdown: 'drawdown comes with the equity (updatePortfolioMetrics) or with closed trades when startingBalance is set',
    trades: 'no trades closed yet: they come with recordClosedTrade()',
    signals: 'no trading signals recorded yet (recordTradingSignal)',
    executed: 'no executed trades recorded yet (recordExecutedTrade)',
    positions: 'no open positions reported: they come with updatePositions() or updatePortfolioMetrics({ openPositions })',
    accuracy: 'model accuracy appears once a classifier has resolved predictions (recordPrediction, then recordOutcome) or reports it (updateModelPerformance)',
    rmse: 'RMSE appears once a regression model has resolved predictions (recordPrediction, then recordOutcome) or reports it (updateModelPerformance)',
    calibration: 'calibration appears once a classifier has resolved predictions with a confidence',
    api: 'no exchange API call tracked yet (trackApiRequest)',
    quota: 'no API quota reported (setApiQuotaRemaining)',
    db: 'no database query tracked yet (trackDbQuery)',
    pool: 'no connection pool reported (updateDbPool)',
    system: 'machine metrics are off (systemMetrics: false)',
    heartbeat: 'no loop has called heartbeat()',
  };
  function rateTitle(what, by) { return what + ' per minute' + (by ? ' by ' + by : '') + ', over ' + duration(rateWindowMs() / 1000); }
  /** Why a rate chart is empty: nothing counted yet, or a count with one sample so far (a rate needs two). */
  function rateEmpty(groups, why) {
    return groups.size === 0 ? why : 'a rate needs two samples: the first comes with the next sample (every ' + duration(state.interval) + ')';
  }
  function rateLines(entries) { var w = rateWindowMs(); return entries.map(function (e) { return { label: e[0], values: perMinute(e[1], w), stepped: true }; }); }
  function firstTime(values) { for (var i = 0; i < values.length; i++) if (values[i] !== null) return state.t[i]; return null; }

  function renderEquity() {
    var equity = one('portfolio_value') || [];
    var balance = one('balance') || [];
    setValue('v-portfolio', last(equity));
    setValue('v-balance', last(balance));
    chart('c-equity', 'portfolio value and balance', [{ label: 'portfolio value', values: equity }, { label: 'balance', values: balance, dash: [4, 3] }], { emptyText: WHY.equity });
    var dd = one('drawdown', { basis: 'equity' }) || one('drawdown', { basis: 'realized' }) || [];
    var maxdd = last(one('max_drawdown', { basis: 'equity' }) || one('max_drawdown', { basis: 'realized' }) || []);
    setValue('v-drawdown', last(dd), pct(last(dd)));
    setValue('v-max-drawdown', maxdd, pct(maxdd));
    chart('c-drawdown', 'drawdown (fraction of peak); dashed: max drawdown', [{ label: 'drawdown', values: dd, color: css('--bad') }], {
      yFormat: axisPercent,
      yInclude: [0, maxdd],
      hlines: maxdd === null ? [] : [{ value: maxdd, color: css('--bad'), label: 'max ' + pct(maxdd) }],
      emptyText: WHY.drawdown,
    });
  }

  function renderPnl() {
    var sym = state.symbol || 'all';
    var pnl = one('realized_pnl', { symbol: sym }) || [];
    setValue('v-realized', last(pnl));
    chart('c-pnl', 'realized PnL (' + sym + ')', [{ label: 'realized PnL', values: pnl }], { emptyText: WHY.trades });
    var byOutcome = groupSum(select('trades_closed_total'), function (l) { return l.outcome; });
    var lines = ['win', 'loss', 'draw'].map(function (o) { return { label: o, values: byOutcome.get(o) || new Array(state.t.length).fill(null), color: o === 'win' ? css('--good') : o === 'loss' ? css('--bad') : css('--muted') }; });
    var w = last(lines[0].values) || 0, l = last(lines[1].values) || 0, d = last(lines[2].values) || 0;
    var closed = lines.some(function (x) { return last(x.values) !== null; }) ? w + l + d : null;
    setValue('v-trades-closed', closed, fmt(closed, 0));
    setValue('v-outcomes', closed, closed === null ? '–' : fmt(w, 0) + ' / ' + fmt(l, 0) + ' / ' + fmt(d, 0));
    chart('c-closed', 'trades closed (cumulative)', lines, { emptyText: WHY.trades });
  }

  /** When Sharpe, Sortino, Calmar and the return statistics will have values, from the first equity the page holds and the return interval. */
  function ratiosNote(haveRatios) {
    var c = state.context;
    if (haveRatios || !c) return '';
    var t0 = firstTime(one('portfolio_value') || []);
    var need = 'Sharpe, Sortino, Calmar and the return statistics (value at risk, expected shortfall, tail ratio, Omega, skewness, kurtosis) need ' + c.ratioMinReturns + ' returns of returnsIntervalSeconds = ' + c.returnsIntervalSeconds + ' s (' + duration(c.returnsIntervalSeconds) + ')';
    if (t0 === null) return need + ' of the equity: none reported yet (updatePortfolioMetrics).';
    // The first equity opens period 0; a return needs two closed periods, so the first ratio comes after ratioMinReturns + 1.
    var due = t0 + (c.ratioMinReturns + 1) * c.returnsIntervalSeconds * 1000;
    if (due > state.t[state.t.length - 1]) return need + ': first values around ' + when(due) + '.';
    return need + ': due since ' + when(due) + '; still none while the returns have no variance (an unchanged equity).';
  }

  /** The statistics of the period returns, with why each can stay absent once Sharpe has a value. */
  var RETURN_STATS = {
    value_at_risk: 'value at risk',
    conditional_value_at_risk: 'expected shortfall',
    tail_ratio: 'tail ratio (absent while the 5th percentile of the returns is 0)',
    omega_ratio: 'Omega (absent until a return falls under the required return)',
    return_skewness: 'skewness (from 3 returns, absent while they are all equal)',
    return_kurtosis: 'kurtosis (from 4 returns, absent while they are all equal)',
  };
  /** Why the return statistics still shown as "–" are absent while Sharpe has a value. */
  function returnStatsNote(missing) {
    if (missing.length === 0) return '';
    return 'No value yet for ' + missing.map(function (m) { return RETURN_STATS[m]; }).join(', ') + '.';
  }

  /** A length of time in seconds, in the unit that reads best. */
  function figSpan(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    if (v < 120) return fmt(v, 0) + ' s';
    if (v < 7200) return fmt(v / 60, 1) + ' min';
    if (v < 172800) return fmt(v / 3600, 1) + ' h';
    return fmt(v / 86400, 1) + ' d';
  }
  function figSigned(v) { return v === null ? '–' : (v > 0 ? '+' : '') + fmt(v, 0); }
  function figCount(v) { return fmt(v, 0); }
  function figMoney(v) { return fmt(v, 2); }
  function figRatio(v) { return fmt(v, 3); }

  /**
   * The rows of the performance table, in groups: [label, metric, labels, format, definition, options].
   * Options: single (one value, no window), pick (label sets tried in turn, the first with a value shown and named).
   * A row's cells are v-<metric>[-<outcome>]-<window>, or v-<metric>[-<period>] for a single value.
   */
  function statRows(sym) {
    var s = { symbol: sym };
    var basis = [{ basis: 'equity' }, { basis: 'realized' }];
    return [
      ['Trades (' + sym + ')', [
        ['Win rate', 'win_rate', s, pct, 'Winning trades / closed trades, net of fees (a draw counts as the draws option says).'],
        ['Profit factor', 'profit_factor', s, fmt, 'Gross profit / gross loss; absent while no trade has lost.'],
        ['Payoff ratio', 'payoff_ratio', s, figRatio, 'Average win / average loss; absent without both a win and a loss.'],
        ['SQN', 'sqn', s, figRatio, 'System quality number (freqtrade): square root of the trades x mean / standard deviation of the net results; from 2 trades.'],
        ['Max consecutive wins', 'max_consecutive_wins', s, figCount, 'Longest run of winning trades in a row (a draw or a loss ends it).'],
        ['Max consecutive losses', 'max_consecutive_losses', s, figCount, 'Longest run of losing trades in a row (a draw or a win ends it).'],
        ['Current streak', 'current_streak', s, figSigned, 'The run of the latest trades: +3 after three wins in a row, -2 after two losses, 0 after a draw.', { single: true }],
        ['Largest win', 'largest_win', s, figMoney, 'Largest net profit of a single trade.'],
        ['Largest loss', 'largest_loss', s, figMoney, 'Largest net loss of a single trade, as a positive amount.'],
        ['Gross profit', 'gross_profit', s, figMoney, 'Sum of the net profits of the winning trades.'],
        ['Gross loss', 'gross_loss', s, figMoney, 'Sum of the net losses of the losing trades, as a positive amount.'],
        ['Fees', 'trade_fees', s, figMoney, 'Fees paid on the closed trades (a rebate counts negative).'],
        ['Holding time, winners', 'average_holding_seconds', { symbol: sym, outcome: 'win' }, figSpan, 'Average time from openedAt to closedAt of the winning trades; needs openedAt.'],
        ['Holding time, losers', 'average_holding_seconds', { symbol: sym, outcome: 'loss' }, figSpan, 'Average time from openedAt to closedAt of the losing trades; needs openedAt.'],
      ]],
      ['Risk (whole account)', [
        ['Drawdown duration', 'drawdown_duration_seconds', {}, figSpan, 'Time since the running peak of the equity (of the realized PnL without equity); 0 at a new peak.', { single: true, pick: basis }],
        ['Max drawdown duration', 'max_drawdown_duration_seconds', {}, figSpan, 'Longest time spent below a running peak so far.', { single: true, pick: basis }],
        ['Recovery factor', 'recovery_factor', {}, figRatio, 'Net profit / max drawdown in currency; absent before the first drawdown.', { single: true, pick: basis }],
        ['Value at risk', 'value_at_risk', {}, pct, 'Historical VaR: the (1 - varConfidence) quantile of the period returns, 5 % at the default 0.95; usually negative.'],
        ['Expected shortfall', 'conditional_value_at_risk', {}, pct, 'CVaR: the mean of the returns at or below the value at risk.'],
      ]],
      ['Returns (whole account)', [
        ['Sharpe', 'sharpe_ratio', {}, fmt, 'Mean excess return / its standard deviation, annualized with periodsPerYear (empyrical).'],
        ['Sortino', 'sortino_ratio', {}, fmt, 'Mean return over the required return / downside deviation, annualized (empyrical).'],
        ['Calmar', 'calmar_ratio', {}, fmt, 'Annual return / max drawdown of the sampled equity (empyrical).'],
        ['Tail ratio', 'tail_ratio', {}, figRatio, '|95th percentile| / |5th percentile| of the returns (empyrical).'],
        ['Omega', 'omega_ratio', {}, figRatio, 'Sum of the gains over the required return / sum of the shortfalls under it (empyrical).'],
        ['Skewness', 'return_skewness', {}, figRatio, 'Adjusted Fisher-Pearson skewness of the returns (pandas skew); from 3 returns.'],
        ['Excess kurtosis', 'return_kurtosis', {}, figRatio, 'Kurtosis of the returns minus 3: 0 for a normal distribution (pandas kurt); from 4 returns.'],
      ]],
      ['Calendar (all symbols)', [
        ['Today', 'realized_pnl_period', { period: 'today' }, figMoney, 'Net realized PnL of the trades closed since midnight (UTC, or the timeZone option).', { single: true }],
        ['This week', 'realized_pnl_period', { period: 'week' }, figMoney, 'Net realized PnL of the trades closed since Monday 00:00 (ISO week).', { single: true }],
        ['This month', 'realized_pnl_period', { period: 'month' }, figMoney, 'Net realized PnL of the trades closed since the 1st of the month.', { single: true }],
      ]],
    ];
  }

  /** A figure's label with its one-line definition: a title on hover, and a marker that shows it on keyboard focus too. */
  function labelCell(text, definition) {
    var td = document.createElement('td');
    td.title = definition;
    td.appendChild(document.createTextNode(text));
    var info = document.createElement('span');
    info.className = 'info';
    info.tabIndex = 0;
    info.setAttribute('role', 'note');
    info.setAttribute('aria-label', text + ': ' + definition);
    info.dataset.tip = definition;
    info.textContent = 'i';
    td.appendChild(info);
    return td;
  }

  function valueCell(id, v, text, span2) {
    var td = document.createElement('td');
    td.id = id;
    td.textContent = text;
    td.dataset.value = v === null ? '' : String(v);
    if (span2) { td.colSpan = 2; td.className = 'single'; }
    return td;
  }

  function renderRatios() {
    var sym = state.symbol || 'all';
    var body = document.querySelector('#t-ratios tbody');
    body.textContent = '';
    var any = false, ratios = false, trades = false, drawdown = false, rollingGap = false, missing = [];
    statRows(sym).forEach(function (group) {
      var head = document.createElement('tr');
      head.className = 'group';
      var th = document.createElement('th'); th.colSpan = 3; th.scope = 'colgroup'; th.textContent = group[0];
      head.appendChild(th); body.appendChild(head);
      group[1].forEach(function (r) {
        var name = r[1], where = r[2], format = r[3], options = r[5] || {};
        var tr = document.createElement('tr');
        tr.appendChild(labelCell(r[0], r[4]));
        var key = 'v-' + name.replace(/_/g, '-') + (where.outcome ? '-' + where.outcome : '') + (where.period ? '-' + where.period : '');
        if (options.single) {
          var v = null, text = '–';
          (options.pick || [where]).some(function (w) {
            v = last(one(name, Object.assign({}, where, w)) || []);
            if (v !== null) text = format(v) + (w.basis ? ' (' + w.basis + ')' : '');
            return v !== null;
          });
          if (v !== null) { any = true; if (options.pick) drawdown = true; }
          tr.appendChild(valueCell(key, v, text, true));
        } else {
          ['lifetime', 'rolling'].forEach(function (win) {
            var v = last(one(name, Object.assign({ window: win }, where)) || []);
            if (v !== null) { any = true; if (name === 'sharpe_ratio') ratios = true; if (name === 'win_rate') trades = true; }
            else if (win === 'lifetime' && RETURN_STATS[name]) missing.push(name);
            else if (win === 'rolling' && sym !== 'all' && where.symbol && name !== 'win_rate' && name !== 'profit_factor' && last(one(name, Object.assign({ window: 'lifetime' }, where)) || []) !== null) rollingGap = true;
            tr.appendChild(valueCell(key + '-' + win, v, format(v)));
          });
        }
        body.appendChild(tr);
      });
    });
    document.getElementById('t-ratios').dataset.points = any ? '1' : '0';
    var c = state.context;
    var notes = [
      trades ? '' : WHY.trades + '.',
      trades && !drawdown ? WHY.drawdown + '.' : '',
      ratiosNote(ratios),
      ratios ? returnStatsNote(missing) : '',
      rollingGap ? 'Rolling values past the profit factor are kept for all symbols only: pick all to see them.' : '',
      c ? 'lifetime: every closed trade (ratios: every return); rolling: the last ' + c.tradeWindow + ' trades (ratios: the last ' + c.returnsWindow + ' returns of ' + duration(c.returnsIntervalSeconds) + ')' : '',
    ];
    var box = document.getElementById('n-ratios');
    box.textContent = '';
    notes.filter(Boolean).forEach(function (text) { var p = document.createElement('p'); p.textContent = text; box.appendChild(p); });
  }

  /** The daily PnL the page holds: fetched on load, then at most once a minute. */
  var DAILY_EVERY_MS = 60000;
  var daily = { at: 0, loading: false, days: null, error: '' };

  function loadDaily() {
    daily.loading = true;
    daily.at = Date.now();
    fetch('/api/v1/daily-pnl', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (body) { daily.days = body.days; daily.error = ''; })
      .catch(function (e) { daily.error = e.message; })
      .then(function () { daily.loading = false; drawDaily(); fitCharts(); });
  }

  /** Bars of the realized PnL of each of the last 90 days, gains green and losses red; a day without a trade has no bar. */
  function drawDaily() {
    var days = daily.days || [];
    var el = document.getElementById('c-daily-pnl');
    el.dataset.days = JSON.stringify(days);
    // Each day at its local midnight, so the axis names the calendar day of the API.
    var xs = days.map(function (d) { var p = d.day.split('-'); return new Date(Number(p[0]), Number(p[1]) - 1, Number(p[2])).getTime() / 1000; });
    var gains = days.map(function (d) { return d.pnl > 0 ? d.pnl : null; });
    var losses = days.map(function (d) { return d.pnl < 0 ? d.pnl : null; });
    var why = daily.error ? 'the daily PnL could not be loaded (' + daily.error + '); next try within a minute'
      : daily.days === null ? 'loading the daily PnL…'
      : 'no trade closed with a result in the last ' + (days.length || 90) + ' days: the bars come with recordClosedTrade(), refreshed every minute';
    chart('c-daily-pnl', 'realized PnL per day, last ' + (days.length || 90) + ' days (all symbols, net of fees)', [
      { label: 'gain', values: gains, color: css('--good'), bars: true },
      { label: 'loss', values: losses, color: css('--bad'), bars: true },
    ], { x: xs, days: true, yInclude: [0], emptyText: why });
  }

  function renderDailyPnl() {
    if (!daily.loading && (daily.at === 0 || Date.now() - daily.at >= DAILY_EVERY_MS)) loadDaily();
    drawDaily();
  }

  function renderFlow() {
    var signals = groupSum(select('trading_signals_total'), function (l) { return l.symbol + ' ' + l.direction; });
    chart('c-signals', rateTitle('signals', 'symbol and direction') + (signals.size > TOP ? ' (top ' + TOP + ' of ' + signals.size + ')' : ''), rateLines(top(signals)), { emptyText: rateEmpty(signals, WHY.signals) });
    var executed = groupSum(select('executed_trades_total'), function (l) { return l.symbol + ' ' + l.direction + ' ' + l.status; });
    var ok = top(new Map(Array.from(executed.entries()).filter(function (e) { return !/ failed$/.test(e[0]); })));
    var failed = Array.from(executed.entries()).filter(function (e) { return / failed$/.test(e[0]); });
    var failedAll = groupSum(select('executed_trades_total', { status: 'failed' }), function () { return 'failed (all shown symbols)'; });
    var exLines = rateLines(ok);
    rateLines(Array.from(failedAll.entries())).forEach(function (l) { l.color = css('--bad'); l.width = 3; exLines.push(l); });
    chart('c-executed', rateTitle('executed trades') + '; failed in red' + (failed.length ? ' (' + failed.length + ' symbol/direction with failures)' : ''), exLines, { emptyText: rateEmpty(executed, WHY.executed) });
  }

  /**
   * The positions of updatePositions() over time, when updatePortfolioMetrics({ openPositions }) reports none:
   * how many symbols are long and how many short at each sample (a quantity of 0 is flat).
   */
  function sideCounts() {
    var held = select('position_quantity').filter(function (s) { return s.labels.symbol !== 'all'; });
    if (!held.length) return [];
    var long = new Array(state.t.length).fill(null), short = new Array(state.t.length).fill(null);
    held.forEach(function (s) {
      s.values.forEach(function (q, i) {
        if (q === null) return;
        long[i] = (long[i] || 0) + (q > 0 ? 1 : 0);
        short[i] = (short[i] || 0) + (q < 0 ? 1 : 0);
      });
    });
    return [{ label: 'long', values: long, color: css('--good'), stepped: true }, { label: 'short', values: short, color: css('--bad'), stepped: true }];
  }

  function renderPositions() {
    var list = select('open_positions');
    var byDir = groupSum(list, function (l) { return l.direction; });
    if (byDir.size) chart('c-positions', 'open positions by direction', Array.from(byDir.entries()).map(function (e) { return { label: e[0], values: e[1] }; }), { emptyText: WHY.positions });
    else chart('c-positions', 'symbols held long / short (updatePositions); the table below the exposure lists them', sideCounts(), { emptyText: WHY.positions, yIncrs: COUNT_INCRS, yInclude: [0] });
    var rows = list.map(function (s) { return [s.labels.symbol + ' ' + s.labels.direction, last(s.values)]; })
      .filter(function (r) { return r[1] !== null && r[1] !== 0; })
      .sort(function (a, b) { return Math.abs(b[1]) - Math.abs(a[1]); });
    var body = document.querySelector('#t-positions tbody');
    body.textContent = '';
    rows.slice(0, 20).forEach(function (r) {
      var tr = document.createElement('tr');
      var a = document.createElement('td'); a.textContent = r[0];
      var b = document.createElement('td'); b.textContent = fmt(r[1], 6);
      tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
    });
    document.getElementById('n-positions').textContent = rows.length > 20 ? 'the 20 largest of ' + rows.length + ' positions; pick a symbol for the others' : '';
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

  /**
   * Accuracy is a fraction for every model: one chart. RMSE is in each model's target unit (a price error
   * of 637 next to a return error of 0.014): one small chart per model, each with its own scale.
   */
  function renderModels() {
    var marks = driftMarkers();
    var key = ['model_name', 'timeframe', 'symbol'];
    var accuracy = select('model_accuracy');
    var acc = accuracy.slice(0, TOP).map(function (s) { return { label: labelOf(s.labels, key), values: s.values }; });
    chart('c-accuracy', 'accuracy over time' + (accuracy.length > TOP ? ' (' + TOP + ' of ' + accuracy.length + ': pick a model)' : '') + '; drift events as red dotted lines (' + marks.length + ')', acc, { vlines: marks, yFormat: axisPercent, yRange: [0, 1], emptyText: WHY.accuracy });
    var rmse = select('model_rmse').filter(function (s) { return s.values.some(function (v) { return v !== null; }); });
    var models = new Map();
    rmse.forEach(function (s) { var m = s.labels.model_name; if (!models.has(m)) models.set(m, []); models.get(m).push(s); });
    var names = Array.from(models.keys()).sort();
    var shown = names.slice(0, MULTIPLES);
    document.getElementById('h-rmse').textContent = 'RMSE per model, each on its own scale (its target unit); drift events marked' + (names.length > shown.length ? ' (' + shown.length + ' of ' + names.length + ' models: pick a model)' : '');
    multiples('c-rmse', shown.map(function (m) {
      return { title: m, lines: models.get(m).slice(0, TOP).map(function (s) { return { label: labelOf(s.labels, ['timeframe', 'symbol']) || m, values: s.values }; }) };
    }), { vlines: marks }, WHY.rmse);
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
    chart('c-reliability', 'observed frequency per confidence bin; dashed: perfect calibration' + (groups.size > TOP ? ' (' + TOP + ' of ' + groups.size + ': pick a model)' : ''), lines, {
      // The whole confidence range with ticks at round values (0, 0.2, ...), not at the bin centres the points sit on.
      x: xs, xRange: [0, 1], yRange: [0, 1], segments: [{ x0: 0, y0: 0, x1: 1, y1: 1, color: css('--muted') }],
      emptyText: WHY.calibration,
    });
  }

  function renderApi() {
    var requests = groupSum(select('api_requests_total'), function (l) { return l.endpoint; });
    chart('c-api-rate', rateTitle('requests', 'endpoint'), rateLines(top(requests)), { emptyText: rateEmpty(requests, WHY.api) });
    var errors = groupSum(select('api_errors_total'), function (l) { return l.endpoint; });
    var w = rateWindowMs();
    var ratio = top(requests).map(function (e) {
      var req = perMinute(e[1], w);
      var err = perMinute(errors.get(e[0]) || new Array(state.t.length).fill(0), w);
      return { label: e[0], values: req.map(function (r, i) { return r === null || r === 0 ? null : (err[i] || 0) / r; }), stepped: true };
    });
    chart('c-api-errors', 'error ratio by endpoint, over ' + duration(w / 1000), ratio, { yFormat: axisPercent, emptyText: rateEmpty(requests, WHY.api) });
    var lat = [];
    select('api_latency_seconds').slice(0, TOP / 2).forEach(function (s, i) {
      var label = s.labels.method + ' ' + s.labels.endpoint;
      lat.push({ label: 'p50 ' + label, values: s.p50.map(ms), color: PALETTE[i % PALETTE.length], dash: [4, 3] });
      lat.push({ label: 'p95 ' + label, values: s.p95.map(ms), color: PALETTE[i % PALETTE.length] });
    });
    chart('c-api-latency', 'latency p50 / p95 (ms), last minute, from the buckets', lat, { emptyText: WHY.api });
    chart('c-api-quota', 'quota remaining', select('api_quota_remaining').map(function (s) { return { label: s.labels.api, values: s.values }; }), { emptyText: WHY.quota });
  }

  function renderDb() {
    chart('c-db-latency', 'query p95 (ms) by operation, last minute', select('db_query_duration_seconds').slice(0, TOP).map(function (s) { return { label: s.labels.operation, values: s.p95.map(ms) }; }), { emptyText: WHY.db });
    var lines = [];
    select('db_connections_active').forEach(function (s) {
      var size = one('db_connection_pool_size', { pool: s.labels.pool }) || [];
      lines.push({ label: s.labels.pool + ' in use', values: s.values.map(function (v, i) { return v === null || !size[i] ? null : v / size[i]; }) });
    });
    chart('c-db-pool', 'pool use (active / size)', lines, { yRange: [0, 1], yFormat: axisPercent, emptyText: WHY.pool });
  }

  /** A stat of the machine row: hidden when its metric is absent, as the runtime metrics are when not enabled. */
  function machineStat(id, values, text) {
    var v = values === null ? null : last(values);
    document.getElementById(id).parentNode.hidden = values === null;
    setValue(id, v, text(v));
  }

  function renderSystem() {
    var machineCpu = one('system_cpu_utilization');
    var proc = groupSum(select('process_cpu_utilization'), function () { return 'process'; }).get('process') || null;
    var rss = one('process_memory_usage');
    var heapSeries = select('v8js_memory_heap_used');
    // Heap used is reported per V8 heap space: their sum is the heap in use.
    var heap = heapSeries.length ? groupSum(heapSeries, function () { return 'heap'; }).get('heap') : null;
    var elu = one('nodejs_eventloop_utilization');
    var delay = one('nodejs_eventloop_delay_p99');
    var gc = select('v8js_gc_duration');
    var gcP95 = gc.length ? gc.reduce(function (worst, s) { return s.p95.map(function (v, i) { return v === null ? worst[i] : worst[i] === null ? v : Math.max(worst[i], v); }); }, new Array(state.t.length).fill(null)) : null;
    machineStat('v-cpu', machineCpu, pct);
    machineStat('v-rss', rss, function (v) { return v === null ? '–' : fmt(mib(v), 0) + ' MiB'; });
    machineStat('v-heap', heap, function (v) { return v === null ? '–' : fmt(mib(v), 0) + ' MiB'; });
    machineStat('v-elu', elu, pct);
    machineStat('v-delay', delay, function (v) { return v === null ? '–' : fmt(v * 1000, 1) + ' ms'; });
    machineStat('v-gc', gcP95, function (v) { return v === null ? '–' : fmt(v * 1000, 1) + ' ms'; });
    // Without system metrics the machine charts give way to one line saying so.
    var noMachine = machineCpu === null && rss === null;
    var load = one('system_cpu_load_average_1m');
    document.getElementById('n-system').textContent = noMachine ? WHY.system : '';
    // Fractions on one axis, MiB on another chart: a percentage next to hundreds of MiB would read 0.
    chart('c-cpu', 'CPU and memory use', noMachine ? [] : [{ label: 'machine CPU', values: machineCpu || [] }, { label: 'this process CPU', values: proc || [] }, { label: 'machine memory used', values: one('system_memory_utilization') || [], dash: [4, 3] }], { yFormat: axisPercent, hideWhenAbsent: true });
    chart('c-memory', 'process RSS (MiB)', noMachine ? [] : [{ label: 'process RSS', values: (rss || []).map(mib) }], { hideWhenAbsent: true });
    chart('c-load', 'load average (1 min)', load === null ? [] : [{ label: 'load 1m', values: load }], { hideWhenAbsent: true });
    chart('c-eventloop', 'event-loop delay p99 (ms)', delay === null ? [] : [{ label: 'p99', values: delay.map(ms) }], { hideWhenAbsent: true });
    chart('c-heap', 'V8 heap used (MiB)', heap === null ? [] : [{ label: 'heap used', values: heap.map(mib) }], { hideWhenAbsent: true });
    chart('c-elu', 'event-loop utilization', elu === null ? [] : [{ label: 'utilization', values: elu }], { hideWhenAbsent: true, yFormat: axisPercent });
    var gcKinds = groupSum(gc, function (l) { return l['v8js.gc.type'] || 'gc'; }, 'count');
    chart('c-gc', rateTitle('GC pauses', 'kind'), rateLines(Array.from(gcKinds.entries())), { hideWhenAbsent: true });
  }

  function renderHeartbeat() {
    var lines = select('bot_heartbeat_timestamp_seconds').map(function (s) {
      return { label: s.labels.loop, values: s.values.map(function (v, i) { return v === null ? null : Math.max(0, state.t[i] / 1000 - v); }) };
    });
    chart('c-heartbeat', 'seconds since the last heartbeat', lines, { emptyText: WHY.heartbeat });
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
    var rows = [];
    select('position_quantity').forEach(function (s) {
      var q = last(s.values);
      if (q === null || q === 0 || s.labels.symbol === 'all') return;
      var where = { symbol: s.labels.symbol, venue: s.labels.venue };
      var notional = last(one('position_notional', where) || []);
      var pnl = last(one('unrealized_pnl', where) || []);
      var mark = notional === null ? null : notional / q;
      var entry = notional === null || pnl === null ? null : (notional - pnl) / q;
      rows.push({ size: notional === null ? 0 : Math.abs(notional), cells: [s.labels.symbol, s.labels.venue, sigFmt(q, 6), sigFmt(entry, 6, 2), sigFmt(mark, 6, 2), fmt(pnl, 2)] });
    });
    // The 20 largest by notional at mark, like the positions list: the table stays readable with many symbols.
    rows.sort(function (a, b) { return b.size - a.size; });
    rows.slice(0, 20).forEach(function (r) {
      var tr = document.createElement('tr');
      r.cells.forEach(function (text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); });
      body.appendChild(tr);
    });
    if (rows.length > 20) {
      var more = document.createElement('tr');
      var td = document.createElement('td'); td.colSpan = 6; td.className = 'note'; td.textContent = 'the 20 largest of ' + rows.length + ' positions; pick a symbol for the others';
      more.appendChild(td); body.appendChild(more);
    }
    rows = Math.min(rows.length, 20);
    body.parentElement.dataset.points = String(rows);
    var lines = select('exposure').map(function (s) { return { label: s.labels.kind, values: s.values }; });
    chart('c-exposure', 'exposure at mark by kind', lines, { emptyText: 'no positions reported yet: they come with updatePositions()' });
    // Leverage on its own scale: a ratio of a few units next to an exposure of 600 000 would sit flat at 0.
    var lev = one('leverage');
    chart('c-leverage', 'leverage (gross exposure / equity)', lev ? [{ label: 'leverage', values: lev }] : [], { yFormat: axisTimes, yInclude: [0], emptyText: 'no leverage yet: it comes with updatePositions() and the equity (updatePortfolioMetrics({ portfolioValue }))' });
    chart('c-strategy-pnl', 'realized PnL per strategy', select('strategy_realized_pnl').slice(0, TOP + 1).map(function (s) { return { label: s.labels.strategy, values: s.values }; }), { emptyText: 'no closed trade with a strategy yet: pass strategy to recordClosedTrade()' });
  }

  /**
   * The last fills, newest first, from /api/v1/fills (the execution domain keeps the last 50): fetched
   * at each render, drawn when the answer comes; a fetch still running is not doubled.
   */
  var fillsPending = false;
  function renderFills() {
    if (fillsPending) return;
    fillsPending = true;
    fetch('/api/v1/fills', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (body) { drawFills(body.fills); })
      .catch(function (e) { document.getElementById('n-fills').textContent = 'fills not loaded: ' + e.message; })
      .then(function () { fillsPending = false; });
  }
  function drawFills(all) {
    // The symbol picked in the header filters the table as it filters the charts.
    var fills = state.symbol ? all.filter(function (f) { return f.symbol === state.symbol; }) : all;
    var table = document.getElementById('t-fills');
    var body = table.querySelector('tbody');
    body.textContent = '';
    fills.forEach(function (f) {
      var tr = document.createElement('tr');
      var cells = [
        [clock(f.time, true), f.time],
        [f.symbol], [f.side], [f.venue],
        // Six significant digits: 97,057.75 and 0.00087175, not 97,057.752 broken over two lines.
        [sigFmt(f.price, 6, 2), f.price],
        [sigFmt(f.quantity, 6), f.quantity],
        [f.fee === null ? '–' : sigFmt(f.fee, 4) + (f.feeAsset === 'unspecified' ? '' : ' ' + f.feeAsset), f.fee],
        [f.liquidity],
        [fmt(f.slippageBps, 2), f.slippageBps],
      ];
      cells.forEach(function (c) {
        var td = document.createElement('td');
        td.textContent = c[0];
        if (c.length > 1) td.dataset.value = c[1] === null ? '' : String(c[1]);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.dataset.points = String(fills.length);
    var note = 'no fill recorded yet: fills come with recordFill() for an order given to recordOrder()';
    if (fills.length) note = (state.symbol ? fills.length + ' of the last ' + all.length + ' fills, for ' + state.symbol : 'the last ' + fills.length + ' fills') + ', newest first; slippage against the order\'s expected price, positive when adverse';
    else if (all.length) note = 'none of the last ' + all.length + ' fills is for ' + state.symbol;
    document.getElementById('n-fills').textContent = note;
  }

  var PANELS = [renderEquity, renderPnl, renderRatios, renderDailyPnl, renderFlow, renderPositions, renderExecution, renderFills, renderModels, renderReliability, renderApi, renderDb, renderSystem, renderHeartbeat];
`;
