// weir viz: draws the graph the server laid out, as SVG, with no library and no build step.
// Served by `weir viz` (data from /api/...) or inlined in `weir viz export --format html`
// (data from the #graph-data element; no request at all).
'use strict';

(function () {
  const embedded = document.getElementById('graph-data');
  const offline = embedded !== null;
  const $ = (id) => document.getElementById(id);
  const svg = $('graph');
  const state = {
    graph: null,
    pipeline: null,
    byId: new Map(),
    out: new Map(),
    into: new Map(),
    selected: null,
    tag: '',
    search: '',
    collapsed: new Set(),
    statuses: {},
    view: { x: 0, y: 0, w: 100, h: 100 },
  };

  function esc(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, (c) => (
      { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  function shorten(label) {
    const chars = Array.from(label);
    return chars.length <= 40 ? label : chars.slice(0, 39).join('') + '\u2026';
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) {
      throw new Error((body.detail || body.error || response.status) + (body.hint ? ' (' + body.hint + ')' : ''));
    }
    return body;
  }

  // The path of an edge: vertical cubic curves through its points (as the SVG export).
  function edgePath(points) {
    let d = 'M' + points[0][0] + ',' + points[0][1];
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1];
      const [x1, y1] = points[i];
      const m = (y0 + y1) / 2;
      d += ' C' + x0 + ',' + m + ' ' + x1 + ',' + m + ' ' + x1 + ',' + y1;
    }
    return d;
  }

  function index(graph) {
    state.byId = new Map(graph.vertices.map((v) => [v.id, v]));
    state.out = new Map();
    state.into = new Map();
    graph.edges.forEach((e, i) => {
      if (!state.out.has(e.source)) state.out.set(e.source, []);
      if (!state.into.has(e.target)) state.into.set(e.target, []);
      state.out.get(e.source).push(i);
      state.into.get(e.target).push(i);
    });
  }

  function draw(graph) {
    const started = performance.now();
    state.graph = graph;
    index(graph);
    const parts = [];
    parts.push('<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#9aa5b1"/></marker></defs>');
    parts.push('<g id="bands">');
    for (const band of graph.bands) {
      parts.push('<g class="band"><rect x="0" y="' + band.top + '" width="' + graph.width + '" height="' + (band.bottom - band.top) +
        '"/><text x="10" y="' + (band.top + 18) + '">' + esc(band.name) + '</text></g>');
    }
    parts.push('</g><g id="edges">');
    graph.edges.forEach((e, i) => {
      parts.push('<path class="edge" data-edge="' + i + '" d="' + edgePath(e.points) + '" marker-end="url(#arrow)"/>');
    });
    parts.push('</g><g id="vertices">');
    for (const v of graph.vertices) {
      const round = v.kind === 'dataset' || v.kind === 'parameters';
      parts.push('<g class="v v-' + v.kind + '" data-id="' + esc(v.id) + '"><title>' + esc(v.label) + '</title><rect x="' + v.x + '" y="' + v.y +
        '" width="' + v.width + '" height="' + v.height + '" rx="' + (round ? v.height / 2 : 4) + '"/><text x="' + (v.x + v.width / 2) +
        '" y="' + (v.y + v.height / 2) + '" text-anchor="middle" dominant-baseline="central">' + esc(shorten(v.label)) + '</text></g>');
    }
    parts.push('</g>');
    svg.innerHTML = parts.join('');
    state.vertexElements = new Map();
    svg.querySelectorAll('g.v').forEach((el) => state.vertexElements.set(el.getAttribute('data-id'), el));
    state.edgeElements = Array.from(svg.querySelectorAll('path.edge'));
    fit(true);
    fillFilters(graph);
    applyStatuses();
    applyFilters();
    requestAnimationFrame(() => {
      document.body.setAttribute('data-ready', String(Math.round(performance.now())));
      document.body.setAttribute('data-draw-ms', String(Math.round(performance.now() - started)));
    });
  }

  // Pan and zoom by moving the view box.
  function setView() {
    const v = state.view;
    svg.setAttribute('viewBox', v.x + ' ' + v.y + ' ' + v.w + ' ' + v.h);
  }

  // Shows the whole graph; with `readable`, a very wide graph is shown from its left edge at
  // a scale where labels can still be read (the wheel zooms out further).
  function fit(readable) {
    const g = state.graph;
    const box = svg.getBoundingClientRect();
    const aspect = box.width > 0 && box.height > 0 ? box.width / box.height : 1.5;
    let w = Math.max(g.width, 200);
    let h = Math.max(g.height, 150);
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    const smallest = 0.3;
    if (readable === true && box.width > 0 && box.width / w < smallest) {
      w = box.width / smallest;
      h = w / aspect;
      state.view = { x: 0, y: 0, w, h };
    } else {
      state.view = { x: (g.width - w) / 2, y: 0, w, h };
    }
    setView();
  }

  function installPanZoom() {
    const canvas = $('canvas');
    let drag = null;
    canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      const box = svg.getBoundingClientRect();
      const v = state.view;
      const factor = event.deltaY > 0 ? 1.15 : 1 / 1.15;
      const px = v.x + (event.clientX - box.left) / box.width * v.w;
      const py = v.y + (event.clientY - box.top) / box.height * v.h;
      state.view = { x: px - (px - v.x) * factor, y: py - (py - v.y) * factor, w: v.w * factor, h: v.h * factor };
      setView();
    }, { passive: false });
    canvas.addEventListener('pointerdown', (event) => {
      drag = { x: event.clientX, y: event.clientY, view: { ...state.view }, moved: false };
    });
    window.addEventListener('pointermove', (event) => {
      if (!drag) return;
      const box = svg.getBoundingClientRect();
      const dx = (event.clientX - drag.x) / box.width * drag.view.w;
      const dy = (event.clientY - drag.y) / box.height * drag.view.h;
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3) {
        drag.moved = true;
        canvas.classList.add('panning');
      }
      state.view = { ...drag.view, x: drag.view.x - dx, y: drag.view.y - dy };
      setView();
    });
    window.addEventListener('pointerup', () => {
      if (drag && drag.moved) state.justPanned = true;
      drag = null;
      canvas.classList.remove('panning');
    });
  }

  function fillFilters(graph) {
    const tag = $('tag');
    const keep = state.tag;
    tag.innerHTML = '<option value="">all</option>' + graph.tags.map((t) => '<option>' + esc(t) + '</option>').join('');
    state.tag = graph.tags.includes(keep) ? keep : '';
    tag.value = state.tag;
    const list = $('namespaces');
    if (graph.namespaces.length === 0) {
      list.innerHTML = '<p class="muted">none</p>';
      return;
    }
    list.innerHTML = graph.namespaces.map((n) => '<label><input type="checkbox" data-namespace="' + esc(n) + '"' +
      (state.collapsed.has(n) ? ' checked' : '') + (offline ? ' disabled' : '') + '> collapse ' + esc(n) + '</label>').join('');
  }

  // Tag filter: nodes without the tag are hidden, then datasets no visible node touches.
  // Search: matching boxes are outlined, the others faded.
  function applyFilters() {
    const g = state.graph;
    const visible = new Set();
    for (const v of g.vertices) {
      const isTask = v.kind === 'node' || v.kind === 'namespace';
      if (isTask && (!state.tag || v.tags.includes(state.tag))) visible.add(v.id);
    }
    for (const e of g.edges) {
      if (visible.has(e.source) && !isTaskId(e.target)) visible.add(e.target);
      if (visible.has(e.target) && !isTaskId(e.source)) visible.add(e.source);
    }
    if (!g.vertices.some((v) => v.kind === 'node' || v.kind === 'namespace')) {
      g.vertices.forEach((v) => visible.add(v.id));
    }
    const needle = state.search.trim().toLowerCase();
    const lineage = state.selected ? lineageOf(state.selected) : null;
    for (const v of g.vertices) {
      const el = state.vertexElements.get(v.id);
      el.classList.toggle('hidden', !visible.has(v.id));
      const matches = needle !== '' && v.name.toLowerCase().includes(needle);
      el.classList.toggle('match', matches);
      const faded = (needle !== '' && !matches) || (lineage !== null && !lineage.has(v.id));
      el.classList.toggle('faded', faded);
      el.classList.toggle('selected', v.id === state.selected);
    }
    g.edges.forEach((e, i) => {
      const el = state.edgeElements[i];
      el.classList.toggle('hidden', !(visible.has(e.source) && visible.has(e.target)));
      const lit = lineage !== null && lineage.has(e.source) && lineage.has(e.target);
      el.classList.toggle('lit', lit);
      el.classList.toggle('faded', lineage !== null && !lit);
    });
  }

  function isTaskId(id) {
    const v = state.byId.get(id);
    return v !== undefined && (v.kind === 'node' || v.kind === 'namespace');
  }

  // Everything upstream and downstream of a vertex, itself included.
  function lineageOf(id) {
    const seen = new Set([id]);
    const walk = (edgesOf, next) => {
      const stack = [id];
      while (stack.length) {
        const at = stack.pop();
        for (const i of edgesOf.get(at) || []) {
          const other = next(state.graph.edges[i]);
          if (!seen.has(other)) { seen.add(other); stack.push(other); }
        }
      }
    };
    walk(state.out, (e) => e.target);
    walk(state.into, (e) => e.source);
    return seen;
  }

  function applyStatuses() {
    if (!state.vertexElements) return;
    const nodes = state.statuses.nodes || {};
    const running = state.statuses.run && state.statuses.run.status === 'running';
    for (const [id, el] of state.vertexElements) {
      const v = state.byId.get(id);
      if (v.kind !== 'node') continue;
      const record = nodes[v.name];
      const status = record ? record.status : (running ? 'pending' : null);
      for (const cls of Array.from(el.classList)) if (cls.startsWith('status-')) el.classList.remove(cls);
      if (status) el.classList.add('status-' + status);
    }
    const run = state.statuses.run;
    $('run-status').textContent = run ? 'last run ' + run.id + ' (' + run.pipeline + '): ' + run.status : 'no recorded run';
  }

  async function pollRuns() {
    let delay = 5000;
    try {
      state.statuses = await getJson('/api/runs/latest');
      applyStatuses();
      if (state.statuses.run && state.statuses.run.status === 'running') delay = 1000;
    } catch (error) {
      $('run-status').textContent = 'run records unavailable';
    }
    setTimeout(pollRuns, delay);
  }

  function select(id) {
    state.selected = id;
    applyFilters();
    if (id) showDetails(id);
  }

  function dl(rows) {
    return '<dl>' + rows.filter((r) => r[1] !== '' && r[1] != null).map((r) => '<dt>' + esc(r[0]) + '</dt><dd>' + r[1] + '</dd>').join('') + '</dl>';
  }

  function links(names) {
    if (!names || names.length === 0) return '<span class="muted">none</span>';
    return names.map((n) => {
      const id = (n === 'parameters' || n.startsWith('params:') ? 'p:' : 'd:') + n;
      return state.byId.has(id) ? '<span class="link" data-goto="' + esc(id) + '">' + esc(n) + '</span>' : esc(n);
    }).join(', ');
  }

  function table(columns, rows) {
    return '<table class="preview"><thead><tr>' + columns.map((c) => '<th>' + esc(c) + '</th>').join('') + '</tr></thead><tbody>' +
      rows.map((r) => '<tr>' + columns.map((c) => '<td>' + esc(typeof r[c] === 'object' ? JSON.stringify(r[c]) : r[c]) + '</td>').join('') + '</tr>').join('') +
      '</tbody></table>';
  }

  async function showDetails(id) {
    const v = state.byId.get(id);
    const panel = $('details');
    const body = $('details-body');
    panel.hidden = false;
    body.innerHTML = '<h2>' + esc(v.name) + '</h2><p class="muted">' + esc(v.kind) + '</p><p class="muted">loading\u2026</p>';
    const base = [['kind', esc(v.kind)], ['namespace', esc(v.namespace || '')], ['tags', esc((v.tags || []).join(', '))], ['layer', esc(v.layer || '')], ['type', esc(v.type || '')]];
    if (offline || v.kind === 'namespace') {
      const extra = v.kind === 'namespace' ? [['nodes', String(v.label)]] : [];
      body.innerHTML = '<h2>' + esc(v.name) + '</h2>' + dl(base.concat(extra)) +
        (offline ? '<p class="muted">exported file: details that need the project are shown by <code>weir viz</code></p>' : '');
      return;
    }
    try {
      if (v.kind === 'node') {
        const d = await getJson('/api/nodes/' + encodeURIComponent(v.name) + '?pipeline=' + encodeURIComponent(state.pipeline));
        const last = d.last_run;
        const run = last ? esc(last.status) + (last.duration_ms != null ? ', ' + last.duration_ms.toFixed(1) + ' ms' : '') +
          ' <span class="muted">(run ' + esc(last.run_id) + ')</span>' + (last.detail ? '<pre>' + esc(last.detail) + '</pre>' : '') : '<span class="muted">never run</span>';
        body.innerHTML = '<h2>' + esc(d.name) + '</h2>' + dl([
          ['function', '<code>' + esc(d.function) + '</code>'],
          ['source', '<span class="muted">' + esc(d.source) + '</span>'],
          ['namespace', esc(d.namespace || '')],
          ['tags', esc(d.tags.join(', '))],
          ['inputs', links(d.inputs)],
          ['outputs', links(d.outputs)],
          ['parameters', Object.keys(d.parameters).length ? '<pre>' + esc(JSON.stringify(d.parameters, null, 2)) + '</pre>' : ''],
          ['last run', run],
        ]);
      } else {
        const d = await getJson('/api/datasets/' + encodeURIComponent(v.name));
        if (d.kind === 'parameters') {
          body.innerHTML = '<h2>' + esc(d.name) + '</h2>' + dl([['value', '<pre>' + esc(JSON.stringify(d.value, null, 2)) + '</pre>']]);
          return;
        }
        const versions = d.versions && d.versions.length ? esc(d.versions.slice(-10).reverse().join(', ')) + (d.versions.length > 10 ? ' \u2026 (' + d.versions.length + ')' : '') : '';
        let html = '<h2>' + esc(d.name) + '</h2>' + dl([
          ['type', esc(d.type)],
          ['layer', esc(d.layer || '')],
          ['location', esc(d.location || '')],
          ['versions', versions],
          ['note', esc(d.note || '')],
        ]);
        if (d.schema) html += '<h3>Schema</h3>' + table(['name', 'dtype'], d.schema).replace('class="preview"', 'class="schema"');
        if (d.rows) html += '<h3>First ' + d.rows.length + ' rows</h3>' + table(d.schema.map((c) => c.name), d.rows);
        if (d.preview_error) html += '<p class="muted">no preview: ' + esc(d.preview_error) + '</p>';
        body.innerHTML = html;
      }
    } catch (error) {
      body.innerHTML = '<h2>' + esc(v.name) + '</h2><p>' + esc(error.message) + '</p>';
    }
  }

  async function loadGraph() {
    const params = new URLSearchParams({ pipeline: state.pipeline });
    if ($('parameters').checked) params.set('parameters', 'true');
    if (state.collapsed.size) params.set('collapse', Array.from(state.collapsed).join(','));
    try {
      draw(await getJson('/api/graph?' + params.toString()));
    } catch (error) {
      svg.innerHTML = '<text x="20" y="40">' + esc(error.message) + '</text>';
    }
  }

  function installControls() {
    $('tag').addEventListener('change', (event) => { state.tag = event.target.value; applyFilters(); });
    $('search').addEventListener('input', (event) => { state.search = event.target.value; applyFilters(); });
    $('search').addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      const needle = state.search.trim().toLowerCase();
      const hit = state.graph.vertices.find((v) => needle && v.name.toLowerCase().includes(needle));
      if (!hit) return;
      state.view = { ...state.view, x: hit.x + hit.width / 2 - state.view.w / 2, y: hit.y - state.view.h / 3 };
      setView();
      select(hit.id);
    });
    $('fit').addEventListener('click', () => fit(false));
    $('close-details').addEventListener('click', () => { $('details').hidden = true; select(null); });
    $('parameters').addEventListener('change', loadGraph);
    $('pipeline').addEventListener('change', (event) => {
      state.pipeline = event.target.value;
      state.collapsed.clear();
      state.selected = null;
      $('details').hidden = true;
      loadGraph();
    });
    $('namespaces').addEventListener('change', (event) => {
      const name = event.target.getAttribute('data-namespace');
      if (!name) return;
      if (event.target.checked) state.collapsed.add(name); else state.collapsed.delete(name);
      loadGraph();
    });
    svg.addEventListener('click', (event) => {
      if (state.justPanned) { state.justPanned = false; return; }
      const target = event.target.closest('g.v');
      select(target ? target.getAttribute('data-id') : null);
      if (!target) $('details').hidden = true;
    });
    svg.addEventListener('dblclick', (event) => {
      const target = event.target.closest('g.v');
      if (offline || !target) return;
      const v = state.byId.get(target.getAttribute('data-id'));
      if (v.kind === 'namespace') state.collapsed.delete(v.name);
      else if (v.namespace) state.collapsed.add(v.namespace.split('.')[0]);
      else return;
      loadGraph();
    });
    $('details').addEventListener('click', (event) => {
      const id = event.target.getAttribute && event.target.getAttribute('data-goto');
      if (id) select(id);
    });
  }

  async function start() {
    installPanZoom();
    installControls();
    if (offline) {
      const graph = JSON.parse(embedded.textContent);
      state.pipeline = graph.pipeline;
      $('pipeline').innerHTML = '<option>' + esc(graph.pipeline) + '</option>';
      $('pipeline').disabled = true;
      $('parameters').checked = graph.parameters_shown;
      $('parameters').disabled = true;
      graph.collapsed.forEach((n) => state.collapsed.add(n));
      $('run-status').textContent = 'exported graph';
      draw(graph);
      return;
    }
    try {
      const list = await getJson('/api/pipelines');
      const asked = new URLSearchParams(location.search).get('pipeline');
      state.pipeline = asked && list.pipelines.includes(asked) ? asked : list.default;
      $('pipeline').innerHTML = list.pipelines.map((p) => '<option' + (p === state.pipeline ? ' selected' : '') + '>' + esc(p) + '</option>').join('');
    } catch (error) {
      svg.innerHTML = '<text x="20" y="40">' + esc(error.message) + '</text>';
      return;
    }
    await loadGraph();
    pollRuns();
  }

  start();
})();
