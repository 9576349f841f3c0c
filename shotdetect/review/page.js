"use strict";
// The review page. Everything comes from this server: /data (per-frame scores, transitions),
// /frame/N.jpg (exact decoded frames), /video (playback), POST /save.
(async function () {
  const $ = (id) => document.getElementById(id);
  const D = await (await fetch("/data")).json();
  const S = D.scores, N = S.times.length, FPS = S.fps || 25;
  const MOVED = new Set(S.moved || []);  // frames whose change a camera move explains
  const TYPES = ["cut", "dissolve", "fade", "wipe"];
  const R = {                      // the page's state, also read by the tests
    cur: 0, sens: D.sensitivity, selected: -1, saved: 0,
    list: D.transitions.map(norm), // the transitions shown and saved
    deleted: new Set(),            // detector's transitions the user removed (stay removed when re-deciding)
    dirty: false,
  };
  window.review = R;

  function norm(t) {
    return { type: t.type, frame: t.frame, start_frame: t.start_frame, end_frame: t.end_frame,
             score: t.score, edited: !!t.edited };
  }
  const scaleOf = (s) => Math.pow(2, (0.5 - s) * 2);

  // The decision bar of frame i at sensitivity s: shotdetect.review.scores.decide_cuts, mirrored.
  function barAt(i, s) {
    const scale = scaleOf(s), thr = S.threshold * scale;
    const contrast = S.contrast * Math.min(1.5, Math.max(0.75, scale));
    return Math.max(thr, contrast * S.level[i] + 0.15 * thr);
  }
  function decideCuts(s) {
    const found = []; let quiet = -1;
    for (let i = 1; i < N; i++) {
      const x = S.strength[i], bar = barAt(i, s);
      if (x <= bar || i <= quiet) continue;
      const back = S.flash_end[i];
      if (back !== undefined) { quiet = back; continue; }
      if (MOVED.has(i)) continue;
      const score = x / (x + bar);
      const last = found[found.length - 1];
      if (last && i - last.frame < D.min_gap) {
        if (score > last.score) found[found.length - 1] = { frame: i, score };
        continue;
      }
      found.push({ frame: i, score });
    }
    // The first and last shot obey the minimum length too, as in the detector.
    return found.filter((c) => c.frame >= D.min_gap && c.frame <= N - D.min_gap);
  }
  const overlaps = (a, b) => !(a.end_frame < b.start_frame || b.end_frame < a.start_frame) || a.frame === b.frame;

  // Re-decide every transition not marked edited: cuts by the rule above, gradual ones as analysed.
  function redecide() {
    const manual = R.list.filter((t) => t.edited);
    const grad = D.gradual.map(norm);
    const absorbed = (f) => grad.some((g) => g.start_frame - 2 <= f && f <= g.end_frame + 2);
    const auto = decideCuts(R.sens).filter((c) => !absorbed(c.frame))
      .map((c) => ({ type: "cut", frame: c.frame, start_frame: c.frame, end_frame: c.frame,
                     score: Math.round(c.score * 1e4) / 1e4, edited: false }))
      .concat(grad)
      .filter((t) => !R.deleted.has(t.frame))
      .filter((t) => !manual.some((m) => overlaps(m, t) || Math.abs(m.frame - t.frame) < D.min_gap));
    const keep = R.selected >= 0 ? R.list[R.selected] : null;
    R.list = manual.concat(auto).sort((a, b) => a.frame - b.frame);
    R.selected = keep ? R.list.indexOf(keep) : -1;
  }

  // ----------------------------------------------------------------------------------- view
  const fmt = (sec) => {
    const ms = Math.round(sec * 1000), s = Math.floor(ms / 1000);
    const hh = String(Math.floor(s / 3600)).padStart(2, "0"), mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
    return `${hh}:${mm}:${String(s % 60).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}`;
  };
  const frameUrl = (n, size) => `/frame/${Math.max(0, Math.min(N - 1, n))}.jpg?size=${size}`;

  $("name").textContent = D.video.name;
  $("facts").textContent = `${D.video.width}\u00d7${D.video.height}, ${N} frames, ` +
    `${FPS.toFixed(3).replace(/\.?0+$/, "")} fps${D.video.vfr ? " (variable)" : ""} \u2192 ${D.save_to}`;
  $("sens").value = R.sens; $("sensval").textContent = Number(R.sens).toFixed(2);
  $("frameno").max = N - 1;
  const video = $("video"), img = $("frame");
  video.src = "/video";

  function status(text, kind) { const s = $("status"); s.textContent = text; s.className = kind || ""; }

  function go(n) {
    R.cur = Math.max(0, Math.min(N - 1, Math.round(n)));
    if (!video.paused) video.pause();
    img.src = frameUrl(R.cur, 640);
    $("frameno").value = R.cur;
    $("clock").textContent = `${fmt(S.times[R.cur])}  strength ${S.strength[R.cur].toFixed(3)}`;
    draw();
  }

  function rows() {
    const body = $("rows");
    body.textContent = "";
    R.list.forEach((t, i) => {
      const tr = document.createElement("tr");
      tr.dataset.frame = t.frame;
      if (i === R.selected) tr.className = "sel";
      if (t.edited) tr.classList.add("edited");
      const cell = (content, cls) => { const td = document.createElement("td"); if (cls) td.className = cls;
        if (content instanceof Node) td.appendChild(content); else td.textContent = content; tr.appendChild(td); return td; };
      const thumb = (n) => { const im = document.createElement("img"); im.loading = "lazy"; im.src = frameUrl(n, 160);
        im.alt = `frame ${n}`; im.title = `frame ${n}`; im.onclick = (e) => { e.stopPropagation(); go(n); }; return im; };
      cell(String(i + 1), "num");
      cell(thumb(t.start_frame - 1));
      cell(thumb(t.type === "cut" ? t.frame : t.end_frame + 1));
      const sel = document.createElement("select");
      TYPES.forEach((k) => { const o = document.createElement("option"); o.value = o.textContent = k; sel.appendChild(o); });
      sel.value = t.type; sel.className = "type";
      sel.onclick = (e) => e.stopPropagation();
      sel.onchange = () => retype(i, sel.value);
      cell(sel);
      cell(t.type === "cut" ? String(t.frame) : `${t.frame} (${t.start_frame}\u2013${t.end_frame})`, "num");
      cell(fmt(S.times[t.frame]), "num");
      cell(t.edited ? "edited" : t.score.toFixed(2), "num");
      const del = document.createElement("button"); del.textContent = "delete"; del.className = "delete";
      del.onclick = (e) => { e.stopPropagation(); R.selected = i; remove(); };
      cell(del);
      tr.onclick = () => { R.selected = i; go(t.frame); rows(); };
      body.appendChild(tr);
    });
    document.body.dataset.transitions = R.list.length;
  }

  // Cut strength: the whole video (peak per pixel column) and the 240 frames around the current one.
  function draw() {
    for (const [id, lo, hi] of [["overview", 0, N], ["detail", R.cur - 120, R.cur + 120]]) {
      const c = $(id), w = c.clientWidth || 600, h = c.height;
      if (c.width !== w) c.width = w;
      const g = c.getContext("2d");
      g.clearRect(0, 0, w, h);
      const span = hi - lo, px = (f) => ((f - lo) / span) * w;
      let peak = 0.3;
      for (let i = Math.max(0, lo); i < Math.min(N, hi); i++) peak = Math.max(peak, S.strength[i]);
      const y = (v) => h - 2 - (Math.min(v, peak) / peak) * (h - 6);
      for (const t of R.list) {
        g.fillStyle = t.edited ? "#ffb020" : (t.type === "cut" ? "#ff5a5a" : "#4aa3ff");
        const x0 = px(t.start_frame), x1 = Math.max(px(t.end_frame + 1), x0 + 2);
        g.globalAlpha = t.type === "cut" ? 0.9 : 0.35;
        g.fillRect(x0, 0, x1 - x0, h);
        g.globalAlpha = 1;
      }
      g.fillStyle = "#c9d1d9";
      const cols = Math.min(w, span);
      for (let col = 0; col < cols; col++) {
        const a = lo + Math.floor((col * span) / cols), b = lo + Math.floor(((col + 1) * span) / cols);
        let v = 0;
        for (let i = Math.max(0, a); i < Math.min(N, Math.max(b, a + 1)); i++) v = Math.max(v, S.strength[i]);
        const x = (col * w) / cols, bw = Math.max(1, w / cols - (cols < w / 2 ? 1 : 0));
        g.fillRect(x, y(v), bw, h - y(v));
      }
      if (id === "detail") {
        g.strokeStyle = "#7ddc7d"; g.beginPath();
        for (let i = Math.max(0, lo); i < Math.min(N, hi); i++) {
          const x = px(i + 0.5), yy = y(barAt(i, R.sens));
          if (i === Math.max(0, lo)) g.moveTo(x, yy); else g.lineTo(x, yy);
        }
        g.stroke();
      }
      g.fillStyle = "#ffffff";
      g.fillRect(px(R.cur), 0, Math.max(1.5, w / span), h);
      c.onclick = (e) => { const r = c.getBoundingClientRect(); go(lo + ((e.clientX - r.left) / r.width) * span); };
    }
  }

  // ---------------------------------------------------------------------------------- edits
  function changed(text) { R.dirty = true; rows(); draw(); status(text); }
  function span(type, f) {
    if (type === "cut") return [f, f];
    const half = Math.max(2, Math.round(FPS / 4));
    return [Math.max(0, f - half), Math.min(N - 1, f + half)];
  }
  function conflicts(t, except) {
    return R.list.some((o) => o !== except && overlaps(o, t));
  }
  function add() {
    const f = R.cur, type = $("addtype").value;
    if (f < 1) return status("a transition cannot start at frame 0", "error");
    const [a, b] = span(type, f);
    const t = { type, frame: f, start_frame: a, end_frame: b, score: 1, edited: true };
    if (conflicts(t)) return status(`frame ${f} overlaps a transition`, "error");
    R.list.push(t); R.list.sort((p, q) => p.frame - q.frame); R.selected = R.list.indexOf(t);
    changed(`added a ${type} at frame ${f}`);
  }
  function remove() {
    const t = R.list[R.selected];
    if (!t) return status("select a transition first", "error");
    if (!t.edited) R.deleted.add(t.frame);
    R.list.splice(R.selected, 1); R.selected = -1;
    changed(`deleted the ${t.type} at frame ${t.frame}`);
  }
  function move() {
    const t = R.list[R.selected], f = R.cur;
    if (!t) return status("select a transition first", "error");
    if (f < 1) return status("a transition cannot start at frame 0", "error");
    const d = f - t.frame;
    const moved = { ...t, frame: f, start_frame: Math.max(0, t.start_frame + d), end_frame: Math.min(N - 1, t.end_frame + d), edited: true };
    if (conflicts(moved, t)) return status(`frame ${f} overlaps another transition`, "error");
    if (!t.edited) R.deleted.add(t.frame);
    R.list[R.selected] = moved; R.list.sort((p, q) => p.frame - q.frame); R.selected = R.list.indexOf(moved);
    changed(`moved the ${t.type} from frame ${t.frame} to ${f}`);
  }
  function retype(i, type) {
    const t = R.list[i];
    const [a, b] = type === "cut" ? [t.frame, t.frame] : (t.type === "cut" ? span(type, t.frame) : [t.start_frame, t.end_frame]);
    const next = { ...t, type, start_frame: a, end_frame: b, edited: true };
    if (conflicts(next, t)) { rows(); return status("that span overlaps another transition", "error"); }
    R.list[i] = next; R.selected = i;
    changed(`frame ${t.frame} is now a ${type}`);
  }

  async function save() {
    status("saving\u2026");
    try {
      const res = await fetch("/save", { method: "POST", headers: { "Content-Type": "application/json",
        "X-Review-Token": document.body.dataset.token }, body: JSON.stringify({ transitions: R.list, sensitivity: R.sens }) });
      const out = await res.json();
      if (!res.ok) throw new Error(out.error || res.statusText);
      R.dirty = false; R.saved += 1; document.body.dataset.saved = R.saved;
      status(`saved ${out.shots} shots to ${out.saved}`, "ok");
    } catch (err) {
      document.body.dataset.saveError = String(err.message || err);
      status(`not saved: ${err.message || err}`, "error");
    }
  }

  // ---------------------------------------------------------------------------------- wiring
  $("prev").onclick = () => go(R.cur - 1);
  $("next").onclick = () => go(R.cur + 1);
  const jump = (dir) => {
    const t = dir > 0 ? R.list.find((x) => x.frame > R.cur) : [...R.list].reverse().find((x) => x.frame < R.cur);
    if (t) { R.selected = R.list.indexOf(t); go(t.frame); rows(); }
  };
  $("prevT").onclick = () => jump(-1);
  $("nextT").onclick = () => jump(1);
  $("frameno").onchange = () => go(Number($("frameno").value));
  $("add").onclick = add; $("move").onclick = move; $("del").onclick = remove; $("save").onclick = save;
  $("sens").oninput = () => {
    R.sens = Number($("sens").value); $("sensval").textContent = R.sens.toFixed(2);
    redecide(); rows(); draw();
    document.body.dataset.sensitivity = R.sens;
  };
  $("play").onclick = () => {
    if (video.paused) {
      video.hidden = false; img.hidden = true;
      video.currentTime = S.times[R.cur] + 0.5 / FPS;
      video.play().catch((e) => { video.hidden = true; img.hidden = false; status(`cannot play: ${e.message}`, "error"); });
      $("play").textContent = "pause";
    } else video.pause();
  };
  video.onpause = () => {
    $("play").textContent = "play";
    if (video.hidden) return;
    let lo = 0, hi = N - 1; const t = video.currentTime;       // last frame starting at or before t
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (S.times[mid] <= t + 1e-6) lo = mid; else hi = mid - 1; }
    video.hidden = true; img.hidden = false; go(lo);
  };
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type === "number") return;
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); return; }
    if (e.target.tagName === "SELECT") return;
    if (e.key === "ArrowLeft") { e.preventDefault(); e.shiftKey ? jump(-1) : go(R.cur - 1); }
    else if (e.key === "ArrowRight") { e.preventDefault(); e.shiftKey ? jump(1) : go(R.cur + 1); }
    else if (e.key === " ") { e.preventDefault(); $("play").click(); }
    else if (e.key === "a") add();
    else if (e.key === "m") move();
    else if (e.key === "Delete" || e.key === "Backspace") remove();
  });
  window.addEventListener("beforeunload", (e) => { if (R.dirty) { e.preventDefault(); e.returnValue = ""; } });
  window.addEventListener("resize", draw);
  R.decideCuts = decideCuts; R.go = go;
  rows(); go(0);
  document.body.dataset.ready = "1";
})().catch((err) => {
  document.body.dataset.ready = "error";
  document.getElementById("status").textContent = `the page failed: ${err.message || err}`;
});
