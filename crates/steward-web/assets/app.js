// Steward's own script: progressive enhancement only. Every action also works without it.
(function () {
  'use strict';

  // Keyboard shortcuts, ignored while typing in a field.
  var pendingG = false;
  var help = document.getElementById('help');
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = !show;
    if (show) { var b = help.querySelector('button'); if (b) b.focus(); }
  }
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && help && !help.hidden) { toggleHelp(false); return; }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (pendingG) {
      pendingG = false;
      var to = { i: '/console?queue=mine', u: '/console?queue=unassigned', p: '/portal', m: '/manage' }[e.key];
      if (to) { e.preventDefault(); window.location.href = to; }
      return;
    }
    if (e.key === '/') {
      var q = document.getElementById('q');
      if (q) { e.preventDefault(); q.focus(); }
    } else if (e.key === 'c') {
      e.preventDefault(); window.location.href = '/incidents/new';
    } else if (e.key === 'r') {
      var reply = document.getElementById('reply-body');
      if (reply) { e.preventDefault(); reply.focus(); }
    } else if (e.key === 'g') {
      pendingG = true;
      setTimeout(function () { pendingG = false; }, 1500);
    } else if (e.key === '?') {
      e.preventDefault(); toggleHelp(help && help.hidden);
    }
  });
  document.addEventListener('click', function (e) {
    if (e.target.closest && e.target.closest('[data-close-help]')) toggleHelp(false);
  });

  // Confirmation for dangerous actions.
  document.addEventListener('submit', function (e) {
    var button = e.submitter || e.target.querySelector('[data-confirm]');
    var message = button && button.getAttribute('data-confirm');
    if (message && !window.confirm(message)) e.preventDefault();
  });

  // Live SLA clocks: count down the server's remaining business seconds while running.
  // Business time may stop outside working hours; the server's figure is authoritative and
  // refreshed on every page load.
  function human(s) {
    var neg = s < 0; s = Math.abs(s);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var t = d > 0 ? d + ' d ' + h + ' h' : h > 0 ? h + ' h ' + (m < 10 ? '0' : '') + m + ' min' : m > 0 ? m + ' min' : s + ' s';
    return (neg ? '-' : '') + t;
  }
  var clocks = Array.prototype.slice.call(document.querySelectorAll('[data-clock][data-running="true"]'));
  if (clocks.length) {
    var started = Date.now();
    clocks.forEach(function (c) { c.dataset.start = c.dataset.remaining; });
    var tick = function () {
      var now = Date.now();
      clocks.forEach(function (c) {
        // Business time stops when the service hours close; the page stops counting there.
        var until = c.dataset.until ? parseInt(c.dataset.until, 10) * 1000 : Infinity;
        var gone = Math.floor((Math.min(now, until) - started) / 1000);
        var out = c.querySelector('[data-clock-remaining]');
        if (out) out.textContent = human(parseInt(c.dataset.start, 10) - gone);
        var state = c.querySelector('[data-clock-state]');
        if (now >= until && state) state.textContent = 'Running, but outside service hours: no time counts until they open';
      });
    };
    setInterval(tick, 30000);
  }

  // Times are sent in UTC and shown in the person's own time zone (My settings), else in
  // this browser's; UTC stays on hover.
  var options = {
    year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short',
    hour: '2-digit', minute: '2-digit', timeZoneName: 'short'
  };
  var zone = document.documentElement.getAttribute('data-tz');
  if (zone) options.timeZone = zone;
  var local;
  try { local = new Intl.DateTimeFormat(undefined, options); }
  catch (e) { delete options.timeZone; local = new Intl.DateTimeFormat(undefined, options); }
  Array.prototype.forEach.call(document.querySelectorAll('time[datetime]'), function (t) {
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d)) return;
    t.title = t.textContent;
    t.textContent = local.format(d);
  });
})();
