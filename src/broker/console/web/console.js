// The kafka-do console: one page over the broker's JSON API (/api/, docs/console.md).
// Everything a record carries reaches the page through textContent, never as HTML, so a key,
// value or header holding markup is shown as text.
'use strict';

const view = document.getElementById('view');
const statusLine = document.getElementById('status');
let timers = [];
let tail = null;

// el('td', {class: 'num'}, 'text', child, …): strings become text nodes.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function table(headers, rows, attrs) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, headers.map(h => el('th', { class: h.num ? 'num' : null }, h.label || h)))),
    el('tbody', {}, rows));
}

const num = v => el('td', { class: 'num' }, v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US'));

function bytes(n) {
  if (n === null || n === undefined || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + units[i];
}

function duration(s) {
  s = Math.floor(s);
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
}

async function api(path, options) {
  const init = Object.assign({ headers: {} }, options || {});
  if (init.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(init.body);
  }
  const response = await fetch('/api/' + path, init);
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  statusLine.textContent = 'updated ' + new Date().toLocaleTimeString();
  statusLine.className = 'status';
  return body;
}

function fail(error) {
  statusLine.textContent = error.message;
  statusLine.className = 'status error';
}

function every(ms, fn) {
  const tick = () => fn().catch(fail);
  tick();
  timers.push(setInterval(tick, ms));
}

function stopPage() {
  timers.forEach(clearInterval);
  timers = [];
  if (tail) { tail.close(); tail = null; }
}

const enc = encodeURIComponent;

// ---- overview ----

const lastTraffic = new Map();

function rate(name, field, value) {
  const key = name + '/' + field, now = Date.now(), prev = lastTraffic.get(key);
  lastTraffic.set(key, { value, at: now });
  if (!prev || now === prev.at) return '–';
  return ((value - prev.value) / ((now - prev.at) / 1000)).toFixed(1) + '/s';
}

function overviewPage() {
  const broker = el('section', { id: 'broker' });
  const topics = el('section', { id: 'topics' });
  const groups = el('section', { id: 'groups' });
  const create = el('form', { class: 'inline', id: 'create-topic' },
    el('label', {}, 'name', el('input', { name: 'name', required: true })),
    el('label', {}, 'partitions', el('input', { name: 'partitions', type: 'number', min: 1, value: 1 })),
    el('button', { type: 'submit' }, 'Create topic'));
  create.addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(create);
    try {
      await api('topics', { method: 'POST', body: { name: f.get('name'), partitions: Number(f.get('partitions')) } });
      create.reset();
    } catch (err) { fail(err); }
  });
  view.replaceChildren(el('h1', {}, 'Overview'), broker, topics, groups);
  every(2000, async () => {
    const o = await api('overview');
    const b = o.broker;
    const card = (label, value, id) => el('div', { class: 'card' },
      el('div', { class: 'label' }, label), el('div', { class: 'value', 'data-field': id }, value));
    broker.replaceChildren(el('h2', {}, 'Broker'), el('div', { class: 'cards' },
      card('version', b.version, 'version'), card('address', b.address, 'address'),
      card('uptime', duration(b.uptime_seconds), 'uptime'), card('data dir', b.data_dir, 'data_dir'),
      card('disk free', bytes(b.disk_free_bytes) + ' of ' + bytes(b.disk_total_bytes), 'disk'),
      card('connections', b.connections, 'connections'), card('rebalances', b.rebalances, 'rebalances')));
    topics.replaceChildren(el('h2', {}, 'Topics (' + o.topics.length + ')'), create,
      table(['topic', { label: 'partitions', num: 1 }, { label: 'records', num: 1 }, { label: 'size', num: 1 },
        { label: 'produce', num: 1 }, { label: 'consume', num: 1 }, 'policy'],
      o.topics.map(t => el('tr', { 'data-topic': t.name },
        el('td', {}, el('a', { href: '#/topic/' + enc(t.name) }, t.name), t.internal ? el('span', { class: 'tag' }, ' internal') : null),
        num(t.partitions), num(t.records), el('td', { class: 'num' }, bytes(t.size_bytes)),
        el('td', { class: 'num' }, rate(t.name, 'in', t.records_in)),
        el('td', { class: 'num' }, rate(t.name, 'out', t.records_out)),
        el('td', {}, t.cleanup_policy)))));
    groups.replaceChildren(el('h2', {}, 'Consumer groups (' + o.groups.length + ')'),
      o.groups.length === 0 ? el('p', { class: 'muted' }, 'No groups yet.') :
        table(['group', 'state', { label: 'members', num: 1 }, { label: 'lag', num: 1 }],
          o.groups.map(g => el('tr', { 'data-group': g.id },
            el('td', {}, el('a', { href: '#/group/' + enc(g.id) }, g.id)),
            el('td', {}, el('span', { class: 'tag ' + g.state }, g.state)),
            num(g.members), el('td', { class: 'num', 'data-field': 'lag' }, String(g.lag))))));
  });
}

// ---- topic ----

// A key, value or header value: JSON pretty-printed, binary (base64 from the API) marked as such.
function payload(value, encoding) {
  if (value === null || value === undefined) return el('span', { class: 'muted' }, 'null');
  if (encoding === 'base64') return el('span', { class: 'binary', title: 'binary, shown as base64' }, 'base64: ' + value);
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try { return el('pre', {}, JSON.stringify(JSON.parse(trimmed), null, 2)); } catch (e) { /* not JSON */ }
  }
  return el('pre', {}, value);
}

function messageRow(m) {
  return el('tr', { 'data-offset': m.offset, 'data-partition': m.partition },
    num(m.partition), num(m.offset),
    el('td', {}, m.timestamp >= 0 ? new Date(m.timestamp).toISOString() : '–'),
    el('td', { class: 'key' }, payload(m.key, m.key_encoding)),
    el('td', { class: 'value' }, payload(m.value, m.value_encoding)),
    el('td', { class: 'headers' }, m.headers.map(h =>
      el('div', {}, el('span', { class: 'header-key' }, h.key), ': ',
        h.value_encoding === 'utf8' ? el('code', {}, h.value) : payload(h.value, h.value_encoding)))));
}

const messageHeaders = [{ label: 'partition', num: 1 }, { label: 'offset', num: 1 }, 'timestamp', 'key', 'value', 'headers'];

function topicPage(name) {
  const partitions = el('section', { id: 'partitions' });
  const configs = el('section', { id: 'configs' });
  const browser = el('section', { id: 'messages' });
  const producer = el('section', { id: 'produce' });
  view.replaceChildren(el('h1', {}, 'Topic ', name), partitions, browser, producer, configs);

  let partitionCount = 0;
  const loadTopic = async () => {
    const t = await api('topics/' + enc(name));
    partitionCount = t.partitions.length;
    partitions.replaceChildren(el('h2', {}, 'Partitions'),
      table([{ label: 'partition', num: 1 }, { label: 'log start', num: 1 }, { label: 'high watermark', num: 1 },
        { label: 'last stable', num: 1 }, { label: 'size', num: 1 }, { label: 'segments', num: 1 }],
      t.partitions.map(p => el('tr', {}, num(p.partition), num(p.log_start), num(p.high_watermark),
        num(p.last_stable), el('td', { class: 'num' }, bytes(p.size_bytes)), num(p.segments)))));
    return t;
  };

  const renderConfigs = t => {
    configs.replaceChildren(el('h2', {}, 'Configs'), table(['name', 'value', ''], t.configs.map(c => {
      const input = el('input', { value: c.value, 'data-config': c.name, size: 24 });
      const save = el('button', { class: 'secondary', onclick: async () => {
        try { renderConfigs(await api('topics/' + enc(name) + '/configs', { method: 'POST', body: { set: { [c.name]: input.value } } })); }
        catch (err) { fail(err); }
      } }, 'Save');
      const reset = c.override ? el('button', { class: 'secondary', onclick: async () => {
        try { renderConfigs(await api('topics/' + enc(name) + '/configs', { method: 'POST', body: { reset: [c.name] } })); }
        catch (err) { fail(err); }
      } }, 'Reset') : null;
      return el('tr', {}, el('td', { title: c.doc }, c.name, c.override ? el('span', { class: 'tag' }, ' override') : null),
        el('td', {}, input), el('td', {}, save, ' ', reset));
    })));
  };

  // Browser: by partition and offset or time, newest or oldest first, with a search.
  const form = el('form', { class: 'inline', id: 'browse' },
    el('label', {}, 'partition', el('select', { name: 'partition' }, el('option', { value: '' }, 'all'))),
    el('label', {}, 'offset', el('input', { name: 'offset', type: 'number', min: 0, size: 8 })),
    el('label', {}, 'from time', el('input', { name: 'time', type: 'datetime-local', step: 1 })),
    el('label', {}, 'order', el('select', { name: 'order' }, el('option', { value: 'newest' }, 'newest first'), el('option', { value: 'oldest' }, 'oldest first'))),
    el('label', {}, 'search key/value/headers', el('input', { name: 'q', size: 18 })),
    el('label', {}, 'limit', el('input', { name: 'limit', type: 'number', min: 1, max: 1000, value: 50, size: 5 })),
    el('button', { type: 'submit' }, 'Browse'));
  const exportLink = el('a', { id: 'export', download: name + '.jsonl' }, 'Export as JSON lines');
  const tailButton = el('button', { type: 'button', class: 'secondary', id: 'tail' }, 'Live tail');
  const results = el('div', { id: 'results' });
  browser.replaceChildren(el('h2', {}, 'Messages'), form, el('p', {}, exportLink, ' ', tailButton), results);

  const query = () => {
    const f = new FormData(form), q = new URLSearchParams();
    for (const k of ['partition', 'offset', 'q', 'limit', 'order']) if (f.get(k)) q.set(k, f.get(k));
    if (f.get('time')) q.set('timestamp', String(new Date(f.get('time') + 'Z').getTime()));
    return q;
  };
  const browse = async () => {
    const q = query();
    const exportQuery = new URLSearchParams(q);
    exportQuery.set('format', 'jsonl');
    exportQuery.delete('limit');
    exportLink.href = '/api/topics/' + enc(name) + '/messages?' + exportQuery;
    const r = await api('topics/' + enc(name) + '/messages?' + q);
    results.replaceChildren(
      el('p', { class: 'muted' }, r.messages.length + ' messages' + (r.partial ? ' (search stopped after ' + r.scanned + ' records)' : '')),
      table(messageHeaders, r.messages.map(messageRow), { id: 'message-table' }));
  };
  form.addEventListener('submit', e => { e.preventDefault(); browse().catch(fail); });

  tailButton.addEventListener('click', () => {
    if (tail) { tail.close(); tail = null; tailButton.textContent = 'Live tail'; return; }
    const f = new FormData(form), q = new URLSearchParams();
    if (f.get('partition')) q.set('partition', f.get('partition'));
    if (f.get('q')) q.set('q', f.get('q'));
    const body = el('tbody', {});
    const note = el('p', { class: 'muted' }, 'Connecting…');
    const tailTable = el('table', { id: 'tail-table' }, el('thead', {}, el('tr', {}, messageHeaders.map(h => el('th', {}, h.label || h)))), body);
    results.replaceChildren(note, tailTable);
    tail = new EventSource('/api/topics/' + enc(name) + '/tail?' + q);
    tail.addEventListener('open', () => {
      note.textContent = 'Live: new records appear at the top.';
      tailTable.setAttribute('data-open', '');
    });
    tail.addEventListener('record', e => body.prepend(messageRow(JSON.parse(e.data))));
    tail.addEventListener('error', () => fail(new Error('live tail interrupted; retrying')));
    tailButton.textContent = 'Stop tail';
  });

  // Produce one record.
  const produce = el('form', { class: 'inline', id: 'produce-form' },
    el('label', {}, 'partition', el('select', { name: 'partition' }, el('option', { value: '' }, 'by key'))),
    el('label', {}, 'key', el('input', { name: 'key', size: 14 })),
    el('label', {}, 'value', el('textarea', { name: 'value', rows: 2, cols: 40 })),
    el('label', {}, 'headers (name: value per line)', el('textarea', { name: 'headers', rows: 2, cols: 24 })),
    el('button', { type: 'submit' }, 'Produce'));
  const produced = el('p', { class: 'muted', id: 'produced' });
  producer.replaceChildren(el('h2', {}, 'Produce a message'), produce, produced);
  produce.addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(produce), headers = {};
    for (const line of String(f.get('headers')).split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    const body = { value: f.get('value'), headers };
    if (f.get('key')) body.key = f.get('key');
    if (f.get('partition') !== '') body.partition = Number(f.get('partition'));
    try {
      const r = await api('topics/' + enc(name) + '/messages', { method: 'POST', body });
      produced.textContent = 'Produced to partition ' + r.partition + ' at offset ' + r.offset + '.';
      loadTopic().catch(fail);
    } catch (err) { fail(err); }
  });

  loadTopic().then(t => {
    for (const select of [form.elements.partition, produce.elements.partition]) {
      for (let p = 0; p < partitionCount; p++) select.append(el('option', { value: p }, String(p)));
    }
    renderConfigs(t);
    return browse();
  }).catch(fail);
  timers.push(setInterval(() => loadTopic().catch(fail), 3000));
}

// ---- group ----

function groupPage(id) {
  const members = el('section', { id: 'members' });
  const offsets = el('section', { id: 'offsets' });
  const reset = el('section', { id: 'reset' });
  view.replaceChildren(el('h1', {}, 'Group ', id), members, offsets, reset);

  const form = el('form', { class: 'inline', id: 'reset-form' },
    el('label', {}, 'reset to', el('select', { name: 'to' },
      el('option', { value: 'earliest' }, 'earliest'), el('option', { value: 'latest' }, 'latest'),
      el('option', { value: 'timestamp' }, 'time'))),
    el('label', {}, 'time (UTC)', el('input', { name: 'time', type: 'datetime-local', step: 1 })),
    el('label', {}, 'topic (empty: all)', el('input', { name: 'topic', size: 16 })),
    el('button', { type: 'submit', class: 'secondary' }, 'Preview reset'));
  const plan = el('div', { id: 'reset-plan' });
  reset.replaceChildren(el('h2', {}, 'Reset offsets'),
    el('p', { class: 'muted' }, 'Only while the group has no active members, as kafka-consumer-groups requires.'), form, plan);
  const request = dryRun => {
    const f = new FormData(form), body = { to: f.get('to'), dry_run: dryRun };
    if (f.get('topic')) body.topic = f.get('topic');
    if (body.to === 'timestamp') body.timestamp = new Date(f.get('time') + 'Z').getTime();
    return api('groups/' + enc(id) + '/reset', { method: 'POST', body });
  };
  form.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      const r = await request(true);
      const confirm = el('button', { class: 'danger', id: 'confirm-reset', type: 'button', onclick: async () => {
        try {
          await request(false);
          plan.replaceChildren(el('p', { id: 'reset-done' }, 'Offsets reset.'));
          refresh().catch(fail);
        } catch (err) { fail(err); }
      } }, 'Confirm reset');
      const cancel = el('button', { class: 'secondary', type: 'button', onclick: () => plan.replaceChildren() }, 'Cancel');
      plan.replaceChildren(el('div', { class: 'plan' }, el('p', {}, 'This will move the committed offsets:'),
        table(['topic', { label: 'partition', num: 1 }, { label: 'from', num: 1 }, { label: 'to', num: 1 }],
          r.changes.map(c => el('tr', {}, el('td', {}, c.topic), num(c.partition), num(c.from), num(c.to)))),
        el('p', {}, confirm, ' ', cancel)));
    } catch (err) { fail(err); }
  });

  const refresh = async () => {
    const g = await api('groups/' + enc(id));
    members.replaceChildren(el('h2', {}, 'Members (' + g.members.length + ') ', el('span', { class: 'tag ' + g.state, id: 'group-state' }, g.state)),
      g.members.length === 0 ? el('p', { class: 'muted' }, 'No active members.') :
        table(['member', 'client id', 'host', 'assignment'], g.members.map(m => el('tr', {},
          el('td', {}, m.member_id), el('td', {}, m.client_id), el('td', {}, m.client_host),
          el('td', {}, (m.assignment || []).map(a => a.topic + ' [' + a.partitions.join(', ') + ']').join('; '))))));
    offsets.replaceChildren(el('h2', {}, 'Offsets (total lag ', el('span', { id: 'total-lag' }, String(g.lag)), ')'),
      table(['topic', { label: 'partition', num: 1 }, { label: 'committed', num: 1 }, { label: 'end', num: 1 }, { label: 'lag', num: 1 }],
        g.offsets.map(o => el('tr', {}, el('td', {}, el('a', { href: '#/topic/' + enc(o.topic) }, o.topic)),
          num(o.partition), num(o.committed), num(o.end), num(o.lag)))));
  };
  every(1000, refresh);
}

// ---- routing ----

function route() {
  stopPage();
  const hash = location.hash.replace(/^#\/?/, '');
  const [kind, ...rest] = hash.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  if (kind === 'topic' && arg) topicPage(arg);
  else if (kind === 'group' && arg) groupPage(arg);
  else overviewPage();
}

window.addEventListener('hashchange', route);
route();
