// Parley softphone: calls the voice agent from the browser over WebRTC,
// signalled with WHIP (RFC 9725): POST the offer to /whip, DELETE the
// session URL to hang up. Live transcripts come from /api/events (SSE).
//
// Automation hooks (used by end-to-end tests):
//   ?autocall=1          start calling on load
//   &hangup_after=SECS   hang up that many seconds after the call started
//   &token=TOKEN         bearer token for a server with webrtc.token set
// and console lines "PARLEY_TEST {json}" with an "event" of call_started,
// remote_audio, transcript, bot_text, call_ended or error.
'use strict';

(() => {
  const WHIP_URL = '/whip';
  const GATHER_TIMEOUT_MS = 3000;
  const REMOTE_AUDIO_RMS = 0.01; // about -40 dBFS
  const METER_INTERVAL_MS = 100;
  const DIGITS = '0123456789*#';

  const params = new URLSearchParams(location.search);
  const token = params.get('token') || '';

  const ui = {
    call: document.getElementById('call'),
    hangup: document.getElementById('hangup'),
    state: document.getElementById('state'),
    timer: document.getElementById('timer'),
    callId: document.getElementById('call-id'),
    micLevel: document.getElementById('mic-level'),
    error: document.getElementById('error'),
    keypad: document.getElementById('keypad'),
    transcript: document.getElementById('transcript'),
    transcriptNote: document.getElementById('transcript-note'),
    remote: document.getElementById('remote'),
  };

  // The current call; null fields when idle.
  let call = null;

  function testLog(event, data) {
    console.log('PARLEY_TEST ' + JSON.stringify(Object.assign({ event }, data)));
  }

  function authHeaders(extra) {
    const h = Object.assign({}, extra);
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }

  function setState(text) {
    ui.state.textContent = text;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  function setInCall(active) {
    ui.call.disabled = active;
    ui.hangup.disabled = !active;
    for (const b of ui.keypad.querySelectorAll('button')) b.disabled = !active;
  }

  // micErrorText explains a getUserMedia failure and what to do about it.
  function micErrorText(err) {
    switch (err && err.name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return 'Microphone access was blocked. Allow the microphone for this site (the icon in the address bar), then press Call again.';
      case 'NotFoundError':
      case 'OverconstrainedError':
        return 'No microphone was found. Connect one, then press Call again.';
      case 'NotReadableError':
      case 'AbortError':
        return 'The microphone could not be opened: another application may be using it. Close it, then press Call again.';
      default:
        return 'The microphone could not be opened (' + (err && err.message ? err.message : err) + ').';
    }
  }

  // statusText explains a refused WHIP request.
  function statusText(resp, body) {
    const detail = body ? ' (' + body.trim() + ')' : '';
    switch (resp.status) {
      case 401: return 'This server needs an access token: open the page with ?token=YOUR_TOKEN.';
      case 403: return 'The server refused the call' + detail + '.';
      case 503: {
        const wait = resp.headers.get('Retry-After');
        return 'The agent is busy' + (wait ? ': try again in ' + wait + ' seconds.' : ': try again shortly.');
      }
      case 400: return 'The server could not use this browser\'s call offer' + detail + '.';
      default: return 'The call failed: HTTP ' + resp.status + detail + '.';
    }
  }

  function waitForGathering(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      function done() {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      function check() {
        if (pc.iceGatheringState === 'complete') done();
      }
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  // levelOf returns the RMS (0..1) of an analyser's current window.
  function levelOf(analyser, buf) {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
    return Math.sqrt(sum / buf.length);
  }

  function analyse(stream) {
    const node = call.audio.createAnalyser();
    node.fftSize = 2048;
    call.audio.createMediaStreamSource(stream).connect(node);
    return { node, buf: new Float32Array(node.fftSize) };
  }

  // meter updates the microphone meter and watches for the first remote audio.
  function meter() {
    if (!call) return;
    if (call.mic) ui.micLevel.value = Math.min(1, levelOf(call.mic.node, call.mic.buf) * 4);
    if (call.far && !call.heard) {
      const rms = levelOf(call.far.node, call.far.buf);
      if (rms > REMOTE_AUDIO_RMS) {
        call.heard = true;
        testLog('remote_audio', { call_id: call.id, rms: Number(rms.toFixed(4)), after_ms: Math.round(performance.now() - call.t0) });
      }
    }
  }

  function tickTimer() {
    if (!call || !call.connectedAt) return;
    const s = Math.floor((Date.now() - call.connectedAt) / 1000);
    ui.timer.textContent = String(Math.floor(s / 60)).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
  }

  function onConnectionState() {
    if (!call) return;
    const s = call.pc.connectionState;
    const labels = { new: 'Starting', connecting: 'Connecting…', connected: 'Connected', disconnected: 'Reconnecting…', failed: 'Connection lost', closed: 'Ended' };
    setState(labels[s] || s);
    if (s === 'connected' && !call.connectedAt) call.connectedAt = Date.now();
    if (s === 'failed' || s === 'closed') endCall('connection ' + s, false);
  }

  function onRemoteTrack(ev) {
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    ui.remote.srcObject = stream;
    ui.remote.play().catch(() => showError('Press Call again or click the page to hear the agent: this browser blocked sound.'));
    call.far = analyse(stream);
  }

  // Transcript pane: partial caller lines (grey) are replaced by the final one.
  function addLine(cls, text) {
    const li = document.createElement('li');
    li.className = cls;
    li.textContent = text;
    ui.transcript.appendChild(li);
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
    return li;
  }

  function onTranscript(ev) {
    testLog('transcript', { call_id: ev.call_id, speaker: ev.speaker, text: ev.text, final: !!ev.final });
    if (!call) return;
    if (!call.partial) {
      call.partial = addLine('caller partial', '');
      call.partial.setAttribute('aria-hidden', 'true');
    }
    call.partial.textContent = ev.text;
    if (ev.final) {
      call.partial.className = 'caller';
      call.partial.removeAttribute('aria-hidden');
      call.partial = null;
    }
  }

  function onBotText(ev) {
    testLog('bot_text', { call_id: ev.call_id, text: ev.text, turn: ev.turn });
    if (call) addLine('bot', ev.text);
  }

  function subscribe(id) {
    const es = new EventSource('/api/events?call_id=' + encodeURIComponent(id));
    const parse = (handler) => (msg) => {
      try {
        handler(JSON.parse(msg.data));
      } catch (err) {
        testLog('error', { where: 'events', message: String(err) });
      }
    };
    es.addEventListener('transcript', parse(onTranscript));
    es.addEventListener('bot_text', parse(onBotText));
    es.addEventListener('barge_in', parse(() => { if (call) addLine('note', 'You interrupted the agent.'); }));
    es.addEventListener('action', parse((ev) => {
      if (call && ev.action === 'handoff') addLine('note', 'Transferring you to a person…');
    }));
    es.addEventListener('call_ended', parse((ev) => endCall('server: ' + (ev.reason || 'ended'), false)));
    es.onopen = () => { ui.transcriptNote.hidden = true; };
    es.onerror = () => {
      ui.transcriptNote.textContent = 'The live transcript is not available right now; the call itself is not affected.';
      ui.transcriptNote.hidden = false;
    };
    return es;
  }

  function sendDigit(d) {
    if (!call || !call.dc || call.dc.readyState !== 'open' || !DIGITS.includes(d)) return;
    call.dc.send(d);
    const b = ui.keypad.querySelector('[data-digit="' + d + '"]');
    if (b) {
      b.classList.add('pressed');
      setTimeout(() => b.classList.remove('pressed'), 150);
    }
  }

  async function startCall() {
    if (call) return;
    showError('');
    setInCall(true);
    ui.transcript.replaceChildren();
    ui.timer.textContent = '00:00';
    ui.callId.textContent = '–';
    // The audio context is made inside the click, before any await, so
    // that the browser lets it play.
    const audio = new AudioContext();
    call = { audio, t0: performance.now(), id: null, resource: null, pc: null, dc: null, stream: null, events: null, timers: [], heard: false, partial: null, connectedAt: 0 };
    const current = call;
    try {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw new Error('This page must be opened over HTTPS (or on localhost) to use the microphone.');
      }
      setState('Asking for the microphone…');
      try {
        current.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
      } catch (err) {
        testLog('error', { where: 'microphone', name: err.name, message: err.message });
        throw new Error(micErrorText(err));
      }
      if (call !== current) return;
      if (audio.state === 'suspended') audio.resume().catch(() => {});
      current.mic = analyse(current.stream);
      current.timers.push(setInterval(meter, METER_INTERVAL_MS), setInterval(tickTimer, 500));

      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      current.pc = pc;
      pc.addTransceiver(current.stream.getAudioTracks()[0], { direction: 'sendrecv', streams: [current.stream] });
      current.dc = pc.createDataChannel('dtmf', { ordered: true });
      pc.ontrack = onRemoteTrack;
      pc.onconnectionstatechange = onConnectionState;

      setState('Calling…');
      await pc.setLocalDescription(await pc.createOffer());
      await waitForGathering(pc);
      const resp = await fetch(WHIP_URL, { method: 'POST', headers: authHeaders({ 'Content-Type': 'application/sdp' }), body: pc.localDescription.sdp });
      const body = await resp.text();
      if (resp.status !== 201) throw new Error(statusText(resp, body));
      const location = resp.headers.get('Location') || '';
      current.resource = new URL(location, window.location.href).href;
      current.id = location.split('/').filter(Boolean).pop() || '';
      if (call !== current) {
        fetch(current.resource, { method: 'DELETE', headers: authHeaders() }).catch(() => {});
        return;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      ui.callId.textContent = current.id;
      testLog('call_started', { call_id: current.id });
      current.events = subscribe(current.id);
      const after = Number(params.get('hangup_after'));
      if (after > 0) current.timers.push(setTimeout(() => endCall('hangup_after', true), after * 1000));
    } catch (err) {
      if (call === current) {
        showError(err.message || String(err));
        testLog('error', { where: 'call', message: err.message || String(err) });
        endCall('failed', true);
      }
    }
  }

  // endCall releases the call; notify sends the WHIP DELETE (not needed
  // when the server ended the call).
  function endCall(reason, notify) {
    const c = call;
    if (!c) return;
    call = null;
    for (const t of c.timers) {
      clearInterval(t);
      clearTimeout(t);
    }
    if (notify && c.resource) {
      fetch(c.resource, { method: 'DELETE', headers: authHeaders(), keepalive: true }).catch(() => {});
    }
    if (c.events) c.events.close();
    if (c.pc) c.pc.close();
    if (c.stream) for (const t of c.stream.getTracks()) t.stop();
    c.audio.close().catch(() => {});
    ui.remote.srcObject = null;
    ui.micLevel.value = 0;
    setInCall(false);
    setState(reason === 'failed' ? 'Call failed' : 'Call ended');
    if (c.id) testLog('call_ended', { call_id: c.id, reason, duration_ms: c.connectedAt ? Date.now() - c.connectedAt : 0 });
  }

  ui.call.addEventListener('click', startCall);
  ui.hangup.addEventListener('click', () => endCall('hung up', true));
  ui.keypad.addEventListener('click', (ev) => {
    const d = ev.target.closest('button') && ev.target.closest('button').dataset.digit;
    if (d) sendDigit(d);
  });
  document.addEventListener('keydown', (ev) => {
    if (call && !ev.ctrlKey && !ev.metaKey && !ev.altKey && ev.key.length === 1 && DIGITS.includes(ev.key)) sendDigit(ev.key);
  });
  window.addEventListener('pagehide', () => endCall('page closed', true));

  if (params.get('autocall') === '1') startCall();
})();
