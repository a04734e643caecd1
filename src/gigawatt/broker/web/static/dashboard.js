// The gigawatt broker dashboard: signs in with an API token (kept in sessionStorage),
// polls the /v1 JSON API every POLL_MS and redraws a section only when its data changed
// (keeping keyboard focus on the same control). Everything is built with textContent:
// no server data is ever parsed as HTML.
(function () {
  'use strict';

  var POLL_MS = 2000;
  var TOKEN_KEY = 'gigawatt-token';
  var state = { token: null, me: null, timer: null, seen: {}, planLoaded: false };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'className') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function td(text, className) {
    return el('td', { text: text == null ? '' : String(text), className: className || '' });
  }

  function hourText(iso) { return iso ? iso.replace('T', ' ').replace(/:00(:00)?Z$/, '') : ''; }
  function windowText(start, end) {
    // same day: "2026-01-01 00–04h"; else "2026-01-01 00h – 2026-01-02 04h"
    if (!start || !end) return '';
    if (start.slice(0, 10) === end.slice(0, 10)) {
      return start.slice(0, 10) + ' ' + start.slice(11, 13) + '–' + end.slice(11, 13) + 'h';
    }
    return hourText(start) + 'h – ' + hourText(end) + 'h';
  }
  function timeText(iso) { return iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : ''; }

  function untilText(iso) {
    var s = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (isNaN(s)) return '';
    if (s <= 0) return 'due now';
    if (s < 120) return 'in ' + s + ' s';
    if (s < 7200) return 'in ' + Math.round(s / 60) + ' min';
    return 'in ' + Math.round(s / 3600) + ' h';
  }

  function say(text, bad) {
    var m = $('message');
    m.textContent = text;
    m.className = 'message' + (bad ? ' bad' : '');
  }

  // --- the API ---------------------------------------------------------------------

  function ApiError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || 'error';
    this.message = e.message || ('HTTP ' + status);
  }

  function api(path, options) {
    var opts = options || {};
    var headers = { 'Accept': 'application/json', 'Authorization': 'Bearer ' + state.token };
    return fetch(path, { method: opts.method || 'GET', headers: headers, cache: 'no-store' })
      .then(function (r) {
        return r.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (err) { body = null; }
          if (!r.ok) throw new ApiError(r.status, body);
          return body;
        });
      });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== '') {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
      }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  // --- redrawing without losing focus -----------------------------------------------

  function redraw(key, data, tbody, build) {
    var text = JSON.stringify(data);
    if (state.seen[key] === text) return false;
    state.seen[key] = text;
    var active = document.activeElement;
    var focusKey = active && active.getAttribute && active.getAttribute('data-focus-key');
    var rows = build(data);
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (r) { tbody.appendChild(r); });
    if (focusKey) {
      var again = tbody.querySelector('[data-focus-key="' + focusKey + '"]');
      if (again) again.focus();
    }
    return true;
  }

  // --- sections ---------------------------------------------------------------------

  function canAnswer() { return state.me && (state.me.role === 'provider' || state.me.role === 'admin'); }

  function answer(offer, accept, button) {
    var verb = accept ? 'accept' : 'decline';
    button.disabled = true;
    api('/v1/offers/' + offer.id + '/' + verb, { method: 'POST' })
      .then(function (o) {
        say('Offer ' + o.id + ' ' + o.status + ' (placement ' + o.placement_id + ').');
        $('offers').focus();
        refresh();
      })
      .catch(function (err) {
        button.disabled = false;
        say('Could not ' + verb + ' offer ' + offer.id + ': ' + err.message, true);
      });
  }

  function offerRows(list) {
    return list.map(function (o) {
      var actions = td('', 'actions');
      if (canAnswer()) {
        var what = 'offer ' + o.id + ' (placement ' + o.placement_id + ', ' + o.count +
          ' at ' + o.site + ')';
        var yes = el('button', { type: 'button', 'data-focus-key': 'accept-' + o.id,
          'data-offer': String(o.id), 'aria-label': 'Accept ' + what, text: 'Accept' });
        var no = el('button', { type: 'button', className: 'secondary',
          'data-focus-key': 'decline-' + o.id, 'aria-label': 'Decline ' + what, text: 'Decline' });
        yes.addEventListener('click', function () { answer(o, true, yes); });
        no.addEventListener('click', function () { answer(o, false, no); });
        actions.appendChild(yes);
        actions.appendChild(no);
      } else {
        actions.textContent = 'provider answers';
      }
      var deadline = td(timeText(o.deadline) + ' (' + untilText(o.deadline) + ')');
      return el('tr', { 'data-offer-id': String(o.id) }, [
        el('th', { scope: 'row', text: String(o.id) }),
        td(o.placement_id, 'num'),
        td(o.provider + ' / ' + o.site, 'nowrap'),
        td(o.count, 'num'),
        td(windowText(o.start, o.end), 'nowrap'),
        deadline,
        td(o.clause),
        actions,
      ]);
    });
  }

  function refreshOffers() {
    return api('/v1/offers' + query({ status: 'pending', limit: 200 })).then(function (list) {
      // deadlines count down: redraw at least when the minute changes
      var key = 'offers';
      redraw(key, { list: list, minute: Math.floor(Date.now() / 60000) }, $('offers-table').tBodies[0],
        function (d) { return offerRows(d.list); });
      $('offers-empty').hidden = list.length > 0;
      $('offers-table').hidden = list.length === 0;
    });
  }

  function whereText(p) {
    if (p.status === 'offered' && p.offered_site) {
      return 'offered to ' + p.offered_site + '; held at ' + (p.fallback_site || '?') +
        ' until ' + timeText(p.offer_deadline);
    }
    return p.site ? (p.provider ? p.provider + ' / ' : '') + p.site : '';
  }

  function placementRows(list) {
    return list.map(function (p) {
      return el('tr', { 'data-placement-id': String(p.id), 'data-status': p.status }, [
        el('th', { scope: 'row', text: String(p.id) }),
        td(p.status, 'status status-' + p.status),
        td(p.team),
        td((p.count == null ? '' : p.count + ' × ') + (p.accelerator || '')),
        td(windowText(p.start, p.end), 'nowrap'),
        td(whereText(p), 'where'),
        td(p.clause || ''),
        td(p.reason || ''),
      ]);
    });
  }

  function refreshPlacements() {
    return api('/v1/recent/placements' + query({ limit: 50 })).then(function (list) {
      redraw('placements', list, $('placements-table').tBodies[0], placementRows);
      $('placements-empty').hidden = list.length > 0;
    });
  }

  function capacityHead(slots) {
    var cells = [el('th', { scope: 'col', text: 'Provider' }), el('th', { scope: 'col', text: 'Site' }),
      el('th', { scope: 'col', text: 'Accelerator' })];
    slots.forEach(function (s) {
      cells.push(el('th', { scope: 'col', className: 'slot', title: s, text: s.slice(5, 10) + ' ' + s.slice(11, 13) + 'h' }));
    });
    return el('tr', {}, cells);
  }

  function capacityRows(data) {
    return data.rows.map(function (r) {
      var cells = [td(r.provider), el('th', { scope: 'row', text: r.site + (r.drained ? ' (drained)' : '') }),
        td(r.accelerator)];
      r.capacity.forEach(function (cap, i) {
        var booked = r.booked[i];
        var u = cap > 0 ? booked / cap : (booked > 0 ? 1 : 0);
        var level = booked === 0 ? 0 : Math.min(4, 1 + Math.floor(u * 4));
        cells.push(el('td', { className: 'slot u' + level, title: data.slots[i] + ': ' + booked +
          ' booked of ' + cap, text: booked + '/' + cap }));
      });
      return el('tr', { 'data-site': r.site, 'data-accelerator': r.accelerator }, cells);
    });
  }

  function refreshCapacity() {
    var start = $('capacity-start').value.trim();
    // the API takes RFC 3339 (2026-01-01T00:00:00Z); accept shorter forms of it here
    var m = /^(\d{4}-\d\d-\d\d[Tt]\d\d)(:\d\d)?(:\d\d)?[Zz]?$/.exec(start);
    if (m) start = m[1] + (m[2] || ':00') + (m[3] || ':00') + 'Z';
    var hours = $('capacity-hours').value || 12;
    return api('/v1/capacity/summary' + query({ start: start, hours: hours })).then(function (data) {
      var table = $('capacity-table');
      var changed = redraw('capacity', data, table.tBodies[0], capacityRows);
      if (changed) {
        var head = table.tHead;
        while (head.firstChild) head.removeChild(head.firstChild);
        head.appendChild(capacityHead(data.slots));
      }
    });
  }

  function auditRows(list) {
    return list.map(function (a) {
      return el('tr', { 'data-audit-id': String(a.id), 'data-action': a.action }, [
        el('th', { scope: 'row', text: String(a.id) }),
        td(timeText(a.at)),
        td(a.actor),
        td(a.action),
        td(a.placement_id == null ? '' : a.placement_id, 'num'),
        td(a.offer_id == null ? '' : a.offer_id, 'num'),
        td(a.site || ''),
        td(a.clause || ''),
        td(JSON.stringify(a.detail), 'detail'),
      ]);
    });
  }

  function auditFilters() {
    return {
      action: $('audit-action').value, actor: $('audit-actor').value.trim(),
      site: $('audit-site').value.trim(), clause: $('audit-clause').value.trim(),
      placement_id: $('audit-placement').value, limit: 200,
    };
  }

  function refreshAudit() {
    var admin = state.me && state.me.role === 'admin';
    $('audit-note').hidden = admin;
    $('audit-form').hidden = !admin;
    $('audit-table').hidden = !admin;
    if (!admin) return Promise.resolve();
    return api('/v1/audit/search' + query(auditFilters())).then(function (list) {
      redraw('audit', list, $('audit-table').tBodies[0], auditRows);
      $('audit-empty').hidden = list.length > 0;
    });
  }

  // --- the plan's charts --------------------------------------------------------------

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.Plotly) { resolve(); return; }
      var s = el('script', { src: src });
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error('could not load ' + src)); };
      document.head.appendChild(s);
    });
  }

  // the answer block: metrics down, years across (every cell as text)
  function answerTable(answer) {
    var head = el('tr', {}, answer.columns.map(function (c) { return el('th', { text: c }); }));
    var rows = answer.rows.map(function (r) {
      return el('tr', {}, r.map(function (v, i) { return td(v, i ? 'num' : ''); }));
    });
    var table = el('table', { id: 'plan-answer' }, [el('thead', {}, [head]), el('tbody', {}, rows)]);
    return el('div', {}, [el('h3', { text: answer.title }), table,
                          el('p', { className: 'note', text: answer.note })]);
  }

  function drawPlan(plan) {
    var section = $('plan');
    var summary = $('plan-summary');
    var charts = $('plan-charts');
    while (summary.firstChild) summary.removeChild(summary.firstChild);
    while (charts.firstChild) charts.removeChild(charts.firstChild);
    if (!plan.loaded) {
      summary.appendChild(el('p', { className: 'note', text: plan.hint }));
      section.setAttribute('data-charts-rendered', '0');
      return Promise.resolve();
    }
    summary.appendChild(el('p', { className: 'note', text: plan.title + ' · ' + plan.meta.join(' · ') }));
    if (plan.answer) summary.appendChild(answerTable(plan.answer));
    plan.summary.forEach(function (s) { summary.appendChild(el('p', { text: s })); });
    plan.charts.forEach(function (c) {
      var box = el('div', { className: 'chart', id: 'chart-' + c.id }, [
        el('h3', { text: c.title }),
        el('p', { className: 'note', text: c.caption }),
        el('div', { className: 'plot', id: 'plot-' + c.id, role: 'img', 'aria-label': c.title + '. ' + c.caption }),
      ]);
      charts.appendChild(box);
    });
    return loadScript('/vendor/plotly.min.js').then(function () {
      var config = { responsive: true, displaylogo: false, showLink: false };
      return Promise.all(plan.charts.map(function (c) {
        return window.Plotly.newPlot('plot-' + c.id, c.figure.data, c.figure.layout, config);
      }));
    }).then(function () {
      section.setAttribute('data-charts-rendered', String(plan.charts.length));
    }).catch(function (err) {
      console.error('gigawatt dashboard: a chart failed to draw', err);
      section.setAttribute('data-charts-error', String(err));
    });
  }

  function loadPlan() {
    if (state.planLoaded) return;
    state.planLoaded = true;
    if (state.me.role === 'provider') {
      $('plan-summary').textContent = '';
      $('plan-summary').appendChild(el('p', { className: 'note',
        text: "The lab's plan is shown to lab tokens (team and admin) only." }));
      return;
    }
    api('/v1/plan/charts').then(drawPlan).catch(function (err) {
      state.planLoaded = false;
      $('plan-summary').textContent = 'Could not load the plan: ' + err.message;
    });
  }

  // --- polling and signing in ---------------------------------------------------------

  function refresh() {
    if (!state.token) return Promise.resolve();
    var jobs = [refreshOffers(), refreshPlacements(), refreshCapacity(), refreshAudit()];
    return Promise.all(jobs).then(function () {
      $('updated').textContent = 'Updated ' + new Date().toISOString().slice(11, 19) + ' UTC';
      document.body.setAttribute('data-refreshed', String(Date.now()));
    }).catch(function (err) {
      if (err.status === 401) { signOut('Your token is no longer accepted: ' + err.message); return; }
      $('updated').textContent = 'Update failed: ' + err.message;
    });
  }

  function poll() {
    clearTimeout(state.timer);
    refresh().then(function () {
      if (state.token) state.timer = setTimeout(poll, POLL_MS);
    });
  }

  function showSignedIn(me) {
    state.me = me;
    document.body.setAttribute('data-role', me.role);
    $('who').textContent = 'Signed in as ' + me.name + ' (' + me.role +
      (me.provider ? ' for ' + me.provider : '') + ') · scenario ' + me.scenario;
    $('signin').hidden = true;
    $('dashboard').hidden = false;
    $('signout').hidden = false;
    $('offers-note').textContent = me.role === 'provider'
      ? 'Offers made to ' + me.provider + ': accept to take the placement, decline to leave it at the fallback.'
      : (me.role === 'team' ? 'Offers on your placements; the provider answers them.'
        : 'Every pending offer; an admin may answer for the provider.');
    loadPlan();
    poll();
  }

  function signIn(token) {
    state.token = token;
    return api('/v1/me').then(function (me) {
      sessionStorage.setItem(TOKEN_KEY, token);
      showSignedIn(me);
      $('main').focus();
    }).catch(function (err) {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      $('signin-error').textContent = err.status === 401
        ? 'This token is not accepted: ' + err.message : 'Sign-in failed: ' + err.message;
      $('token').focus();
    });
  }

  function signOut(why) {
    clearTimeout(state.timer);
    state.token = null;
    state.me = null;
    state.seen = {};
    state.planLoaded = false;
    sessionStorage.removeItem(TOKEN_KEY);
    document.body.removeAttribute('data-role');
    ['offers-table', 'placements-table', 'capacity-table', 'audit-table'].forEach(function (id) {
      var body = $(id).tBodies[0];
      while (body.firstChild) body.removeChild(body.firstChild);
    });
    $('dashboard').hidden = true;
    $('signout').hidden = true;
    $('signin').hidden = false;
    $('who').textContent = 'Not signed in';
    $('updated').textContent = '';
    $('signin-error').textContent = why || '';
    $('token').value = '';
    $('token').focus();
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('signin-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var token = $('token').value.trim();
      if (!token) { $('signin-error').textContent = 'Type a token first.'; return; }
      $('signin-error').textContent = '';
      signIn(token);
    });
    $('signout').addEventListener('click', function () { signOut(''); });
    $('capacity-form').addEventListener('submit', function (e) {
      e.preventDefault();
      refreshCapacity().catch(function (err) { say('Capacity: ' + err.message, true); });
    });
    $('audit-form').addEventListener('submit', function (e) {
      e.preventDefault();
      refreshAudit().catch(function (err) { say('Audit: ' + err.message, true); });
    });
    var saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) signIn(saved); else $('token').focus();
  });
})();
