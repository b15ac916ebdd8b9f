// The page's only script (its SHA-256 is in the page's Content-Security-Policy).
// Two behaviours: the paged token table fed by the #report-data block, and click-to-sort
// on any server-rendered table.sortable (the multi-organization roll-up uses those).
(function () {
  'use strict';
  function sortableTables() {
    document.querySelectorAll('table.sortable').forEach(function (table) {
      var heads = table.querySelectorAll('thead th'), tbody = table.tBodies[0];
      heads.forEach(function (th, column) {
        th.addEventListener('click', function () {
          var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
          heads.forEach(function (o) { o.removeAttribute('aria-sort'); });
          th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
          var rows = Array.prototype.slice.call(tbody.rows).map(function (tr, i) {
            var td = tr.cells[column], key = td ? (td.getAttribute('data-sort') || td.textContent) : '';
            var num = td && td.hasAttribute('data-sort') ? parseFloat(key) : NaN;
            return {tr: tr, i: i, key: isNaN(num) ? key.toLowerCase() : num};
          });
          rows.sort(function (a, b) {
            if (a.key < b.key) { return -dir; }
            if (a.key > b.key) { return dir; }
            return a.i - b.i;
          });
          rows.forEach(function (r) { tbody.appendChild(r.tr); });
        });
      });
    });
  }
  sortableTables();
  var dataBlock = document.getElementById('report-data');
  if (!dataBlock) {
    document.body.setAttribute('data-ready', '1');
    return;
  }
  var DATA = JSON.parse(dataBlock.textContent);
  var ROWS = DATA.rows, PAGE = DATA.page_size;
  var C = {owner: 0, name: 1, tid: 2, kind: 3, id: 4, state: 5, sel: 6, perms: 7, exp: 8, dte: 9, expired: 10,
           used: 11, dsu: 12, codes: 13, viol: 14, decision: 15, level: 16};
  var SORT = {
    owner: function (r) { return r[C.owner].toLowerCase(); },
    token: function (r) { return r[C.name].toLowerCase(); },
    state: function (r) { return r[C.state]; },
    selection: function (r) { return r[C.sel]; },
    permissions: function (r) { return r[C.level] * 1000 + r[C.perms].split(' ').length; },
    expires: function (r) { return r[C.dte] === null ? 1e9 : r[C.dte]; },
    last_used: function (r) { return r[C.dsu] === null ? 1e9 : r[C.dsu]; },
    violations: function (r) { return r[C.codes].length; },
    decision: function (r) { return r[C.decision]; }
  };
  var $ = function (id) { return document.getElementById(id); };
  var search = $('f-text'), fState = $('f-state'), fCode = $('f-code'), fViol = $('f-violating');
  var body = $('tokens-body'), info = $('page-info'), count = $('f-count');
  var index = ROWS.map(function (r, i) { return i; });
  var view = index.slice(), page = 0, sortKey = null, sortDir = 1;
  var haystack = ROWS.map(function (r) {
    return [r[C.owner], r[C.name], r[C.tid], r[C.perms], r[C.viol], r[C.sel], r[C.decision]].join(' ').toLowerCase();
  });

  function text(td, value, cls) {
    td.textContent = value === null || value === undefined ? '' : String(value);
    if (cls) { td.className = cls; }
    return td;
  }
  function cell(tr, value, cls) { tr.appendChild(text(document.createElement('td'), value, cls)); }
  function expiresText(r) {
    if (r[C.exp] === null) { return 'never'; }
    var d = r[C.dte];
    return r[C.exp].slice(0, 10) + (r[C.expired] ? ' (expired)' : ' (' + d + ' d)');
  }
  function usedText(r) {
    if (r[C.used] === null) { return r[C.kind] === 'grant' ? 'never' : '\u2014'; }
    return r[C.used].slice(0, 10) + ' (' + r[C.dsu] + ' d ago)';
  }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (page >= pages) { page = pages - 1; }
    var start = page * PAGE, end = Math.min(view.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var r = ROWS[view[i]], tr = document.createElement('tr');
      if (r[C.codes].length) { tr.className = 'violating'; }
      cell(tr, r[C.owner]);
      var td = document.createElement('td');
      td.appendChild(document.createTextNode(r[C.name]));
      var small = document.createElement('div');
      small.className = 'muted';
      small.textContent = r[C.kind] + ' ' + r[C.id] + (r[C.tid] === null ? '' : ' \u00b7 token ' + r[C.tid]);
      td.appendChild(small);
      tr.appendChild(td);
      td = document.createElement('td');
      var badge = document.createElement('span');
      badge.className = 'st st-' + r[C.state];
      badge.textContent = r[C.state];
      td.appendChild(badge);
      tr.appendChild(td);
      cell(tr, r[C.sel]);
      cell(tr, r[C.perms], 'perm' + (r[C.level] >= 3 ? ' lvl-admin' : ''));
      cell(tr, expiresText(r), r[C.exp] === null || r[C.expired] ? 'exp-bad' : (r[C.dte] <= 30 ? 'exp-warn' : ''));
      cell(tr, usedText(r));
      cell(tr, r[C.viol], 'viol');
      cell(tr, r[C.decision]);
      frag.appendChild(tr);
    }
    body.textContent = '';
    body.appendChild(frag);
    info.textContent = view.length ? 'Rows ' + (start + 1).toLocaleString() + '\u2013' + end.toLocaleString() +
      ' of ' + view.length.toLocaleString() + ' \u00b7 page ' + (page + 1) + ' of ' + pages : 'No matching tokens';
    count.textContent = view.length.toLocaleString() + ' of ' + ROWS.length.toLocaleString() + ' tokens';
    $('p-first').disabled = $('p-prev').disabled = page === 0;
    $('p-next').disabled = $('p-last').disabled = page >= pages - 1;
    body.setAttribute('data-page', String(page + 1));
    body.setAttribute('data-pages', String(pages));
    body.setAttribute('data-matches', String(view.length));
  }
  function sortView() {
    if (!sortKey) { return; }
    var key = SORT[sortKey], dir = sortDir;
    var keys = {};
    view.forEach(function (i) { keys[i] = key(ROWS[i]); });
    view.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x < y) { return -dir; }
      if (x > y) { return dir; }
      return a - b;
    });
  }
  function applyFilter() {
    var q = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var st = fState.value, code = fCode.value, onlyViol = fViol.checked;
    view = index.filter(function (i) {
      var r = ROWS[i];
      if (st && r[C.state] !== st) { return false; }
      if (onlyViol && !r[C.codes].length) { return false; }
      if (code && r[C.codes].indexOf(code) < 0) { return false; }
      for (var k = 0; k < q.length; k++) { if (haystack[i].indexOf(q[k]) < 0) { return false; } }
      return true;
    });
    sortView();
    page = 0;
    render();
  }
  document.querySelectorAll('th[data-key]').forEach(function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-key');
      sortDir = sortKey === key ? -sortDir : 1;
      sortKey = key;
      document.querySelectorAll('th[data-key]').forEach(function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', sortDir === 1 ? 'ascending' : 'descending');
      sortView();
      page = 0;
      render();
    });
  });
  var timer = null;
  search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(applyFilter, 120); });
  [fState, fCode, fViol].forEach(function (el) { el.addEventListener('change', applyFilter); });
  $('p-first').addEventListener('click', function () { page = 0; render(); });
  $('p-prev').addEventListener('click', function () { page = Math.max(0, page - 1); render(); });
  $('p-next').addEventListener('click', function () { page += 1; render(); });
  $('p-last').addEventListener('click', function () { page = 1e9; render(); });
  render();
  document.body.setAttribute('data-ready', '1');
})();
