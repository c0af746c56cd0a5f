// The analytics dashboard: signs in through POST /api/auth/login, loads the
// figures with one GraphQL query, then follows the analyticsUpdated
// subscription over GraphQL-over-SSE (fetch streaming; no client library).
'use strict';

(() => {
  const TOKEN_KEY = 'aigw_dashboard_token';
  const COLORS = ['#3366cc', '#dc3912', '#ff9900', '#109618', '#990099', '#0099c6', '#dd4477', '#66aa00'];

  const SUMMARY = 'totalApiCalls totalTokensUsed totalCostUsd';
  const PROVIDERS = 'provider totalCalls totalCost cachedCalls';
  const OPTIMIZATION = 'totalRequests cachedRequests cacheHitRatePercent tokensSaved estimatedSavings';
  const TRENDS = 'dailyBreakdown { day cost }';
  const ALERTS = 'dailyBudgetUsd todayCostUsd alerts { day budgetUsd costUsd delivered }';
  const INITIAL = `query Dashboard {
    analyticsDashboard { summary { ${SUMMARY} } providerBreakdown { ${PROVIDERS} } optimizationImpact { ${OPTIMIZATION} } costTrends { ${TRENDS} } timestamp }
    budgetAlerts { ${ALERTS} }
    me { role }
  }`;
  const REFRESH = `query Refresh { analyticsTrends(days: 7) { ${TRENDS} } budgetAlerts { ${ALERTS} } }`;
  const SPEND_FIELDS = 'scope id name dayUsd monthUsd totalUsd calls budgetUsedPercent { day month total }';
  // Teams are for admins; anyone else sees their own keys.
  const spendQuery = (admin) => `query Spend { keys: analyticsSpend(groupBy: key) { ${SPEND_FIELDS} }${admin ? ` teams: analyticsSpend(groupBy: team) { ${SPEND_FIELDS} }` : ''} }`;
  const LIVE = `subscription Live { analyticsUpdated { summary { ${SUMMARY} } providers { ${PROVIDERS} } optimization { ${OPTIMIZATION} } timestamp } }`;

  const $ = (id) => document.getElementById(id);
  const integer = new Intl.NumberFormat('en-US');
  const usd = (n) => '$' + n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 6 : 2 });

  let token = sessionStorage.getItem(TOKEN_KEY);
  let live = null; // AbortController of the running subscription
  let refreshTimer = null;
  let isAdmin = false;
  const charts = {};

  class Unauthorized extends Error {}

  // ---- server calls ----

  async function graphql(query) {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    if (res.status === 401) throw new Unauthorized();
    const body = await res.json();
    if (body.errors?.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  /** Server-sent events of a fetch response body: {event, data}. */
  async function* sseEvents(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = { event: 'message', data: [] };
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event.event = line.slice(6).trim();
          else if (line.startsWith('data:')) event.data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event.data.length) yield { event: event.event, data: event.data.join('\n') };
      }
    }
  }

  /** Follows analyticsUpdated until signed out, reconnecting after failures. */
  async function followLive() {
    while (token) {
      const controller = new AbortController();
      live = controller;
      try {
        const res = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: LIVE }),
          signal: controller.signal,
        });
        if (res.status === 401) throw new Unauthorized();
        if (!res.ok || !res.body) throw new Error(`subscription failed: HTTP ${res.status}`);
        setLive(true);
        for await (const { event, data } of sseEvents(res.body)) {
          if (event === 'complete') break;
          const payload = JSON.parse(data);
          if (payload.data?.analyticsUpdated) applyUpdate(payload.data.analyticsUpdated);
        }
      } catch (e) {
        if (e instanceof Unauthorized) return signOut();
        if (controller.signal.aborted) return;
        console.warn('live updates interrupted', e);
      }
      setLive(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  // ---- rendering ----

  function chart(id, type, extra = {}) {
    if (charts[id]) return charts[id];
    charts[id] = new Chart($(id), {
      type,
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 250 },
        plugins: { legend: { display: type === 'doughnut' } },
        ...extra,
      },
    });
    return charts[id];
  }

  function setData(c, labels, data, colors) {
    c.data.labels = labels;
    c.data.datasets = [{ data, backgroundColor: colors, borderWidth: 1 }];
    c.update();
  }

  function renderKpis(summary, optimization) {
    $('total-calls').textContent = integer.format(summary.totalApiCalls);
    $('total-cost').textContent = usd(summary.totalCostUsd);
    $('total-tokens').textContent = integer.format(summary.totalTokensUsed);
    $('cache-hit-rate').textContent = `${optimization.cacheHitRatePercent.toFixed(1)}%`;
    $('tokens-saved').textContent = integer.format(optimization.tokensSaved);
    $('estimated-savings').textContent = usd(optimization.estimatedSavings);
  }

  function renderProviders(providers) {
    const names = providers.map((p) => p.provider);
    const colors = names.map((_, i) => COLORS[i % COLORS.length]);
    setData(chart('chart-provider-calls', 'bar'), names, providers.map((p) => p.totalCalls), colors);
    setData(chart('chart-provider-cost', 'doughnut'), names, providers.map((p) => p.totalCost), colors);
  }

  function renderCache(optimization) {
    const hits = optimization.cachedRequests;
    setData(chart('chart-cache', 'doughnut'), ['hits', 'misses'], [hits, optimization.totalRequests - hits], ['#109618', '#c5cad6']);
  }

  function renderTrends(trends) {
    const days = trends.dailyBreakdown;
    setData(chart('chart-daily-cost', 'bar'), days.map((d) => d.day.slice(5)), days.map((d) => d.cost), COLORS[0]);
  }

  function renderAlerts(status) {
    const banner = $('budget-alert');
    const today = new Date().toISOString().slice(0, 10);
    const alert = status.alerts.find((a) => a.day === today);
    banner.hidden = !alert;
    if (alert) {
      banner.textContent = `Daily budget exceeded on ${alert.day}: ${usd(alert.costUsd)} recorded against a budget of ${usd(alert.budgetUsd)}`
        + (alert.delivered ? ' (alert e-mail sent).' : ' (the alert e-mail could not be sent).');
    }
  }

  /** The keys/teams table: spend and the largest share of a budget used (text only, never markup). */
  function renderSpend(d) {
    const rows = [...(d.teams ?? []), ...d.keys];
    const body = $('spend-rows');
    body.replaceChildren();
    if (!rows.length) {
      const tr = body.insertRow();
      const td = tr.insertCell();
      td.colSpan = 7;
      td.textContent = 'No API keys yet';
      return;
    }
    for (const s of rows) {
      const tr = body.insertRow();
      tr.dataset.id = s.id;
      const cell = (text) => (tr.insertCell().textContent = text);
      cell(s.scope);
      cell(s.name ?? s.id);
      cell(usd(s.dayUsd));
      cell(usd(s.monthUsd));
      cell(usd(s.totalUsd));
      cell(integer.format(s.calls));
      const used = [['day', s.budgetUsedPercent.day], ['month', s.budgetUsedPercent.month], ['total', s.budgetUsedPercent.total]].filter(([, p]) => p !== null);
      const td = tr.insertCell();
      td.className = 'budget-used';
      if (!used.length) {
        td.textContent = 'no budget';
        continue;
      }
      const [period, top] = used.reduce((a, b) => (b[1] > a[1] ? b : a));
      if (top >= 100) td.classList.add('over');
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = `${Math.min(100, top)}%`;
      bar.append(fill);
      td.append(bar, `${top.toFixed(1)}% (${period})`);
    }
  }

  function setUpdated(timestamp) {
    const t = $('updated-at');
    t.dateTime = timestamp;
    t.textContent = new Date(timestamp).toLocaleTimeString();
  }

  function setLive(on) {
    const s = $('live-status');
    s.textContent = on ? 'live' : 'offline';
    s.className = `status ${on ? 'live' : 'offline'}`;
  }

  function applyUpdate(u) {
    renderKpis(u.summary, u.optimization);
    renderProviders(u.providers);
    renderCache(u.optimization);
    setUpdated(u.timestamp);
    // The daily series and the alerts are not in the update: fetch them, at most once a second.
    refreshTimer ??= setTimeout(() => {
      refreshTimer = null;
      graphql(REFRESH).then((d) => {
        renderTrends(d.analyticsTrends);
        renderAlerts(d.budgetAlerts);
      }, handleError);
      graphql(spendQuery(isAdmin)).then(renderSpend, handleError);
    }, 1000);
  }

  function handleError(e) {
    if (e instanceof Unauthorized) signOut();
    else console.error(e);
  }

  // ---- views ----

  async function showDashboard() {
    $('login-view').hidden = true;
    $('dashboard-view').hidden = false;
    $('session').hidden = false;
    try {
      const d = await graphql(INITIAL);
      const a = d.analyticsDashboard;
      renderKpis(a.summary, a.optimizationImpact);
      renderProviders(a.providerBreakdown);
      renderCache(a.optimizationImpact);
      renderTrends(a.costTrends);
      renderAlerts(d.budgetAlerts);
      setUpdated(a.timestamp);
      isAdmin = d.me.role === 'admin';
      renderSpend(await graphql(spendQuery(isAdmin)));
      void followLive();
    } catch (e) {
      handleError(e);
    }
  }

  function signOut() {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    live?.abort();
    setLive(false);
    $('dashboard-view').hidden = true;
    $('session').hidden = true;
    $('login-view').hidden = false;
  }

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('login-error');
    error.textContent = '';
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: $('username').value, password: $('password').value }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      error.textContent = body.error?.message ?? `Sign-in failed (HTTP ${res.status})`;
      return;
    }
    token = body.access_token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('password').value = '';
    void showDashboard();
  });

  $('sign-out').addEventListener('click', signOut);

  if (token) void showDashboard();
})();
