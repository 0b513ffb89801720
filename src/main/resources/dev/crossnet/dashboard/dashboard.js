// crossnet dashboard: renders the status document of GET /api/status, kept live by the
// server-sent events of GET /api/events. Plain DOM and SVG; every text from the document goes
// through textContent or attributes, never HTML.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, kids, ns) {
    var e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (k) {
      if (k !== null && k !== undefined) e.appendChild(typeof k === 'string' ? document.createTextNode(k) : k);
    });
    return e;
  }
  function svg(tag, attrs, kids) { return el(tag, attrs, kids, SVG); }
  function $(id) { return document.getElementById(id); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function ago(iso) {
    if (!iso) return '-';
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (isNaN(s)) return iso;
    if (s < 5) return 'just now';
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }
  function ms(v) { return v === null || v === undefined ? '' : (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' ms'; }
  function ready(h) { return !!(h.agent && h.agent.ready); }
  // A name fits in the node's circle (68 px across): long ones (an address, a FQDN) get a smaller font.
  function nameSize(name) { return name.length <= 6 ? 15 : Math.max(9, Math.floor(62 / (0.6 * name.length))); }
  function agentText(h) {
    var s = h.agent && h.agent.state;
    return s === 'none' || !s ? 'no agent' : s === 'ready' ? 'ready' : 'agent ' + s;
  }

  // One edge per pair of hosts, from what each (ready) side probed of the other.
  function edge(a, b) {
    var probes = [];
    [[a, b], [b, a]].forEach(function (p) {
      if (!ready(p[0])) return; // a stopped agent's last probes are stale
      (p[0].peers || []).forEach(function (q) { if (q.name === p[1].name) probes.push(q); });
    });
    if (!probes.length) return { state: 'unknown', label: '' };
    var bad = probes.some(function (q) { return q.reachable === false; });
    var rtts = probes.filter(function (q) { return q.reachable && typeof q.rttMs === 'number'; })
      .map(function (q) { return q.rttMs; });
    var rtt = rtts.length ? rtts.reduce(function (x, y) { return x + y; }, 0) / rtts.length : null;
    return { state: bad ? 'bad' : 'ok', label: bad ? 'unreachable' : ms(rtt) };
  }

  function drawGraph(doc) {
    var g = clear($('graph'));
    var hosts = doc.hosts || [];
    var w = 600, h = 420, cx = w / 2, cy = h / 2, r = hosts.length > 1 ? Math.min(w, h) / 2 - 70 : 0;
    var pos = {};
    hosts.forEach(function (host, i) {
      var t = -Math.PI / 2 + 2 * Math.PI * i / hosts.length;
      pos[host.name] = { x: cx + r * Math.cos(t), y: cy + r * Math.sin(t) };
    });
    for (var i = 0; i < hosts.length; i++) {
      for (var j = i + 1; j < hosts.length; j++) {
        var a = pos[hosts[i].name], b = pos[hosts[j].name], e = edge(hosts[i], hosts[j]);
        g.appendChild(svg('line', { 'class': 'edge ' + e.state, x1: a.x, y1: a.y, x2: b.x, y2: b.y,
          'data-edge': hosts[i].name + '-' + hosts[j].name, 'data-state': e.state }));
        if (e.label) {
          g.appendChild(svg('text', { 'class': 'rtt', x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 + 4 }, [e.label]));
        }
      }
    }
    hosts.forEach(function (host) {
      var p = pos[host.name], up = ready(host);
      var cls = 'node ' + (up ? 'up' : 'down') + (host.name === doc.from ? ' self' : '');
      g.appendChild(svg('g', { 'class': cls, 'data-host': host.name, 'data-state': up ? 'up' : 'down',
        transform: 'translate(' + p.x + ',' + p.y + ')' }, [
        svg('title', {}, [host.name + (up ? ' (agent ready)' : ' (agent not ready)')]),
        svg('circle', { r: 34 }),
        svg('text', { 'class': 'name', y: 5, 'font-size': nameSize(host.name) }, [host.name]),
        svg('text', { 'class': 'sub', y: 52 }, [host.subnet || 'no subnet']),
        svg('text', { 'class': 'sub', y: 66 }, [host.publicIp || ''])
      ]));
    });
  }

  function containersOn(doc, host) {
    var out = [];
    (doc.networks || []).forEach(function (n) {
      (n.containers || []).forEach(function (c) { if (c.host === host) out.push({ net: n.name, c: c }); });
    });
    return out;
  }

  function chip(c, text) {
    return el('span', { 'class': 'chip', 'data-container': c.name, title: c.host ? 'on ' + c.host : null },
      [text, el('span', { 'class': 'ip' }, [c.ip || ''])]);
  }

  function drawNetworks(doc) {
    var box = clear($('networks'));
    var nets = doc.networks || [];
    if (!nets.length) { box.appendChild(el('p', { 'class': 'muted' }, ['no Docker networks'])); return; }
    nets.forEach(function (n) {
      var byHost = {};
      (n.containers || []).forEach(function (c) { (byHost[c.host] = byHost[c.host] || []).push(c); });
      var rows = Object.keys(byHost).sort().map(function (host) {
        return el('tr', {}, [el('td', {}, [host]), el('td', {}, [el('div', { 'class': 'chips' },
          byHost[host].map(function (c) { return chip(c, c.name); }))])]);
      });
      box.appendChild(el('div', { 'class': 'network', 'data-network': n.name }, [
        el('h3', {}, [n.name, el('span', { 'class': 'muted' }, [(n.subnet || '') + ' · ' + (n.driver || '')
          + (n.encrypted ? ' · encrypted' : '')])]),
        rows.length ? el('table', {}, rows) : el('p', { 'class': 'muted' }, ['no containers'])
      ]));
    });
  }

  function drawHost(doc, h) {
    var up = ready(h);
    var mode = Object.keys(h.mode || {}).sort().map(function (k) { return k + ' ' + h.mode[k]; }).join(', ');
    var peers = (h.peers || []).map(function (p) {
      return el('tr', {}, [el('td', {}, [p.name]),
        el('td', { 'class': p.reachable ? 'ok' : 'bad' }, [p.reachable ? 'reachable' : 'unreachable']),
        el('td', {}, [p.reachable ? ms(p.rttMs) : '']), el('td', { 'class': 'muted' }, [ago(p.lastProbe)])]);
    });
    var cs = containersOn(doc, h.name);
    var errors = h.errors || [];
    return el('section', { 'class': 'card host ' + (up ? 'up' : 'down'), 'data-host': h.name, 'data-state': up ? 'up' : 'down' }, [
      el('h3', {}, [el('span', { 'class': 'dot' + (up ? '' : ' down') }), h.name,
        el('span', { 'class': 'badge' + (up ? '' : ' bad'), title: (h.agent && h.agent.why) || null },
          [up ? 'ready' : agentText(h)])]),
      el('dl', {}, [
        el('dt', {}, ['subnet']), el('dd', {}, [h.subnet || '-']),
        el('dt', {}, ['public IP']), el('dd', {}, [h.publicIp || '-']),
        el('dt', {}, ['backend']), el('dd', {}, [(h.backend || '-') + (mode ? ' (' + mode + ')' : '')]),
        el('dt', {}, [up ? 'ready since' : 'last seen']),
        el('dd', {}, [ago(h.agent && (up ? h.agent.since : h.agent.lastSeen))])
      ]),
      peers.length ? el('table', {}, [el('tr', {}, [el('th', {}, ['peer']), el('th', {}, ['probe']),
        el('th', {}, ['rtt']), el('th', {}, ['when'])])].concat(peers)) : el('p', { 'class': 'muted' }, ['no peer probes']),
      cs.length ? el('div', { 'class': 'chips' }, cs.map(function (x) { return chip(x.c, x.net + ' / ' + x.c.name); })) : null,
      !up && h.agent && h.agent.why ? el('p', { 'class': 'bad' }, [h.agent.why]) : null,
      errors.length ? el('ul', { 'class': 'errors' }, errors.map(function (e) {
        return el('li', {}, [el('span', { 'class': 'kind' }, [e.kind + (e.object ? ' ' + e.object : '')]), ': ' + e.message,
          el('span', { 'class': 'muted' }, [' (since ' + ago(e.since) + ')'])]);
      })) : el('p', { 'class': 'muted' }, ['no errors'])
    ]);
  }

  function render(doc) {
    $('problem').hidden = true;
    var hosts = doc.hosts || [];
    var down = hosts.filter(function (h) { return !ready(h); }).length;
    var net = doc.network || {};
    $('summary').textContent = (net.cidr || '') + ' · ' + (net.backend || '') + ' · ' + hosts.length + ' hosts'
      + (down ? ', ' + down + ' not ready' : '');
    var st = doc.store || {};
    $('store').textContent = 'store ' + (st.kind || '?') + (st.healthy === false ? ': ' + (st.error || 'unhealthy') : '');
    $('store').className = 'badge' + (st.healthy === false ? ' bad' : '');
    $('from').textContent = doc.from || '-';
    $('taken').textContent = doc.takenAt ? new Date(doc.takenAt).toLocaleTimeString() : '-';
    drawGraph(doc);
    drawNetworks(doc);
    var box = clear($('hosts'));
    hosts.forEach(function (h) { box.appendChild(drawHost(doc, h)); });
    document.body.setAttribute('data-rendered', doc.takenAt || 'yes');
  }

  function problem(text) {
    $('problem').textContent = text;
    $('problem').hidden = false;
  }

  function live(on) {
    $('live').textContent = on ? 'live' : 'reconnecting…';
    $('live').className = 'badge' + (on ? '' : ' off');
  }

  fetch('api/status').then(function (r) { return r.json(); }).then(function (d) {
    if (d.error) problem(d.error); else if (!document.body.hasAttribute('data-rendered')) render(d);
  }).catch(function (e) { problem('cannot load the status: ' + e); });

  var events = new EventSource('api/events');
  events.onopen = function () { live(true); };
  events.onerror = function () { live(false); };
  events.onmessage = function (m) { render(JSON.parse(m.data)); };
  events.addEventListener('unavailable', function (m) { problem(JSON.parse(m.data).error); });
})();
