/* pdz-assistant chat widget: <pdz-assistant api="(base URL of the API; empty = same origin)"></pdz-assistant>
 * Self-contained web component (no CDN, no external fonts). Italian interface.
 * Streams answers from POST /v1/ask (Server-Sent Events), shows citation chips [n]
 * and opens a source viewer with the cited passage highlighted in its context. */
(() => {
  const CSS = `
  :host { display:block; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:#1d2430; max-width: 760px; }
  * { box-sizing: border-box; }
  .box { border:1px solid #c9d1dc; border-radius:10px; padding:12px; background:#fff; }
  form { display:flex; gap:8px; flex-wrap:wrap; }
  label.q { flex: 1 1 100%; font-weight:600; }
  textarea { flex:1 1 260px; min-height:64px; padding:8px; font:inherit; border:1px solid #9aa6b5; border-radius:6px; resize:vertical; }
  .filters { display:flex; gap:8px; flex-wrap:wrap; margin:8px 0; }
  .filters label { display:flex; flex-direction:column; font-size:13px; }
  select { font:inherit; padding:4px; min-width: 130px; }
  button { font:inherit; cursor:pointer; border-radius:6px; border:1px solid #24508f; background:#2b5fab; color:#fff; padding:8px 14px; }
  button:focus-visible, .chip:focus-visible, select:focus-visible, textarea:focus-visible { outline:3px solid #f0a000; outline-offset:2px; }
  button[disabled] { opacity:.6; cursor:progress; }
  .answer { margin-top:12px; white-space:normal; }
  .answer p { margin:4px 0; }
  .answer ul { margin:4px 0; padding-left:20px; }
  .chip { display:inline-block; margin:0 2px; padding:0 6px; border-radius:10px; border:1px solid #2b5fab; background:#e8f0fc; color:#1d4680; font-size:13px; cursor:pointer; }
  .notice { margin-top:10px; padding:8px; border-radius:6px; background:#fff4d6; border:1px solid #e0b54a; }
  .error { background:#fde3e3; border-color:#d06464; }
  .sources { margin-top:8px; font-size:13px; color:#4a5564; }
  .sources ul { margin:2px 0; padding-left:18px; }
  .ocr { color:#8a4b00; font-size:12px; }
  .viewer { margin-top:12px; border:1px solid #2b5fab; border-radius:8px; padding:10px; background:#f7f9fc; }
  .viewer header { display:flex; justify-content:space-between; gap:8px; align-items:flex-start; }
  .viewer h3 { margin:0 0 4px; font-size:15px; }
  .meta { font-size:13px; color:#4a5564; }
  .viewer .where { margin:2px 0 0; }
  .context { position:relative; white-space:pre-wrap; overflow-wrap:anywhere; max-height:320px; overflow:auto; background:#fff; border:1px solid #d7dde6; padding:8px; margin-top:8px; border-radius:6px; }
  mark { background:#ffe27a; padding:0 1px; }
  .cited { background:#fff7d6; }
  .close, .secondary { background:#fff; color:#24508f; padding:4px 10px; }
  .close { white-space:nowrap; flex-shrink:0; }
  .cols { display:grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap:8px; margin-top:12px; }
  .col { border:1px solid #c9d1dc; border-radius:8px; padding:8px; background:#fbfcfe; font-size:13px; }
  .col h4 { margin:0 0 6px; font-size:14px; }
  @media (max-width: 480px) { :host { font-size:14px; } .filters, .filters label { flex:1 1 100%; } select { width:100%; } form > button { width:100%; } }
  `;

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  class PdzAssistant extends HTMLElement {
    connectedCallback() {
      this.api = (this.getAttribute("api") || "").replace(/\/$/, "");
      this.history = [];
      this.citations = [];
      const root = this.attachShadow({ mode: "open" });
      root.innerHTML = `<style>${CSS}</style>
        <section class="box" aria-label="Assistente Piani di Zona">
          <form part="form">
            <label class="q" for="q">La tua domanda sui Piani di Zona</label>
            <textarea id="q" name="q" required placeholder="Es.: come si attiva il voucher dimissioni protette?"></textarea>
            <div class="filters">
              <label>Ambito <select id="ambito"><option value="">Tutti gli ambiti</option></select></label>
              <label>Periodo <select id="period"><option value="">Tutti i periodi</option></select></label>
            </div>
            <button type="submit" id="send">Chiedi</button>
            <button type="button" id="compare" class="secondary" title="Le fonti migliori di ciascun piano, in colonne">Confronta i piani</button>
          </form>
          <div class="answer" id="answer" aria-live="polite" aria-busy="false"></div>
          <div id="status" role="status"></div>
          <div id="indexing" role="status"></div>
          <div id="viewer"></div>
        </section>`;
      this.$ = (sel) => root.querySelector(sel);
      this.$("form").addEventListener("submit", (e) => { e.preventDefault(); this.ask(); });
      this.$("#compare").addEventListener("click", () => this.compare());
      this.$("#q").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.ask(); } });
      root.addEventListener("keydown", (e) => { if (e.key === "Escape") this.closeViewer(); });
      this.loadFilters();
    }

    async loadFilters() {
      try {
        const res = await fetch(`${this.api}/v1/documents`);
        if (!res.ok) return;
        const docs = await res.json();
        this.showIndexing(docs);
        const fill = (id, values) => {
          const sel = this.$(id);
          [...new Set(values.filter(Boolean))].sort().forEach((v) => sel.insertAdjacentHTML("beforeend", `<option value="${esc(v)}">${esc(v)}</option>`));
        };
        fill("#ambito", docs.map((d) => d.ambito));
        fill("#period", docs.map((d) => d.period));
      } catch (_) { /* filters are optional; the question box still works */ }
    }

    /* Plans whose embeddings are still being computed are found only by their words: say so. */
    showIndexing(docs) {
      const busy = docs.filter((d) => d.state && d.state !== "pronto");
      this.indexing = new Set(busy.map((d) => d.doc_id));
      const names = busy.map((d) => `«${d.title}»`).join(", ");
      const text = !busy.length ? "" : busy.length === 1
        ? `Il piano ${names} è in indicizzazione: per ora la ricerca è solo lessicale.`
        : `I piani ${names} sono in indicizzazione: per ora la ricerca su di essi è solo lessicale.`;
      this.$("#indexing").innerHTML = text ? `<div class="notice">${esc(text)}</div>` : "";
    }

    async refreshIndexing() {
      try {
        const res = await fetch(`${this.api}/v1/documents`);
        if (res.ok) this.showIndexing(await res.json());
      } catch (_) { /* the notice is advisory */ }
    }

    setStatus(text, kind) {
      this.$("#status").innerHTML = text ? `<div class="notice ${kind || ""}">${esc(text)}</div>` : "";
    }

    async ask() {
      const question = this.$("#q").value.trim();
      if (!question) { this.setStatus("Scrivi una domanda.", "error"); this.$("#q").focus(); return; }
      const filters = {};
      if (this.$("#ambito").value) filters.ambito = this.$("#ambito").value;
      if (this.$("#period").value) filters.period = this.$("#period").value;
      if (this.pending) this.pending.abort();
      const pending = (this.pending = new AbortController());
      const send = this.$("#send");
      const answer = this.$("#answer");
      send.disabled = true;
      send.textContent = "Sto cercando…";
      answer.innerHTML = "";
      answer.setAttribute("aria-busy", "true");
      this.list = null;
      this.citations = [];
      this.closeViewer(false);
      this.setStatus("");
      try {
        const res = await fetch(`${this.api}/v1/ask`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify({ question, filters, history: this.history.slice(-3), stream: true }),
          signal: pending.signal,
        });
        if (!res.ok) throw new Error(await this.problem(res));
        await this.readStream(res);
        this.history.push(question);
      } catch (err) {
        if (err.name === "AbortError") return;
        const offline = err instanceof TypeError;
        this.setStatus(offline ? "Il server non è raggiungibile. Controlla la connessione e riprova tra poco." : `Non è stato possibile rispondere: ${err.message}`, "error");
      } finally {
        if (this.pending === pending) {
          this.pending = null;
          send.disabled = false;
          send.textContent = "Chiedi";
          answer.setAttribute("aria-busy", "false");
        }
      }
    }

    async problem(res) {
      // problem+json from the API carries an Italian `detail`
      try { return (await res.json()).detail || `errore ${res.status}`; } catch (_) { return `errore ${res.status}`; }
    }

    async compare() {
      const topic = this.$("#q").value.trim();
      if (!topic) { this.setStatus("Scrivi il tema da confrontare.", "error"); this.$("#q").focus(); return; }
      this.$("#answer").innerHTML = "";
      this.closeViewer();
      this.setStatus("Confronto in corso…");
      try {
        const res = await fetch(`${this.api}/v1/compare`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ topic, k: 2 }) });
        if (!res.ok) throw new Error((await res.json()).detail || res.status);
        const data = await res.json();
        const cols = Object.entries(data.groups).map(([key, plans]) => `<section class="col"><h4>${esc(key)}</h4>` + plans.map((p) => p.relevant
          ? p.passages.map((r) => `<p><small>${esc(r.section)}</small><br>${esc(r.text.slice(0, 280))}…</p>`).join("")
          : `<p class="notice">Nessuna evidenza pertinente in questo piano.</p>`).join("") + "</section>").join("");
        this.$("#answer").innerHTML = `<div class="cols" aria-label="Confronto per piano">${cols}</div>`;
        this.setStatus("");
      } catch (err) {
        this.setStatus(err instanceof TypeError ? "Il server non è raggiungibile. Riprova tra poco." : `Confronto non riuscito: ${err.message}`, "error");
      }
    }

    async readStream(res) {
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
        let idx;
        while ((idx = buffer.indexOf("\n\n")) >= 0) {
          const raw = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const event = (raw.match(/^event: ?(.*)$/m) || [])[1] || "message";
          const data = raw.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.replace(/^data: ?/, "")).join("\n");
          this.onEvent(event, data ? JSON.parse(data) : null);
        }
      }
    }

    chips(text) {
      return esc(text).replace(/\[(\d+)\]/g, (_, n) => `<button type="button" class="chip" data-n="${n}" aria-label="Apri la fonte ${n}">[${n}]</button>`);
    }

    onEvent(event, data) {
      const answer = this.$("#answer");
      if (event === "sentence") {
        const bullet = /^\s*[-•]\s+/.test(data.text);
        if (bullet) {
          if (!this.list) { this.list = document.createElement("ul"); answer.append(this.list); }
          this.list.insertAdjacentHTML("beforeend", `<li>${this.chips(data.text.replace(/^\s*[-•]\s+/, ""))}</li>`);
        } else {
          this.list = null;
          answer.insertAdjacentHTML("beforeend", `<p>${this.chips(data.text)}</p>`);
        }
      } else if (event === "citations") {
        this.citations = data || [];
        // a cited plan was still being indexed at the last look: check whether it still is
        if (this.indexing && this.citations.some((c) => this.indexing.has(c.doc_id))) this.refreshIndexing();
        answer.querySelectorAll(".chip").forEach((chip) => chip.addEventListener("click", () => this.openSource(Number(chip.dataset.n), chip)));
        if (this.citations.length) {
          const list = this.citations.map((c) => `<li>[${c.n}] ${esc(c.title)}${c.section ? " — " + esc(c.section) : ""}${c.page ? ", pag. " + c.page : ""}${c.ocr ? ' <span class="ocr" title="Testo letto con l\'OCR da una pagina scansionata: può contenere errori di lettura">(OCR)</span>' : ""}</li>`).join("");
          answer.insertAdjacentHTML("beforeend", `<div class="sources"><strong>Fonti</strong><ul>${list}</ul></div>`);
        }
      } else if (event === "done") {
        if (data && (data.status === "not_found" || data.abstained)) this.setStatus("L'assistente non ha trovato la risposta nei documenti: prova a riformulare la domanda o a cambiare i filtri.");
        else if (data && data.status === "partial") this.setStatus("Risposta parziale: i documenti contengono solo una parte di ciò che chiedi. Sotto trovi le informazioni più vicine, con le fonti.");
        else if (data && data.unsupported_sentences && data.unsupported_sentences.length) this.setStatus("Attenzione: alcune frasi della risposta non sono confermate dalle fonti.");
      }
    }

    async openSource(n, opener) {
      const c = this.citations.find((x) => x.n === n);
      if (!c) return;
      this.opener = opener;
      const viewer = this.$("#viewer");
      viewer.innerHTML = `<div class="viewer" role="dialog" aria-label="Fonte ${n}" tabindex="-1"><p>Carico la fonte…</p></div>`;
      try {
        const url = `${this.api}/v1/documents/${encodeURIComponent(c.doc_id)}?start=${c.char_start}&end=${c.char_end}&window=700`;
        const res = await fetch(url);
        if (!res.ok) throw new Error(await this.problem(res));
        const doc = await res.json();
        const w = doc.window;
        const before = esc(w.text.slice(0, w.highlight_start));
        const cited = this.markQuoted(w, c.quoted || []);
        const after = esc(w.text.slice(w.highlight_end));
        const page = w.page || c.page;
        viewer.innerHTML = `<div class="viewer" role="dialog" aria-modal="false" aria-labelledby="vt" aria-describedby="vm" tabindex="-1">
          <header><div><h3 id="vt">[${n}] ${esc(doc.title)}</h3>
          <div class="meta" id="vm">Ambito: ${esc(doc.ambito || "-")} · Periodo: ${esc(doc.period || "-")}${page ? " · Pagina " + esc(page) : ""}${w.ocr ? ' · <span class="ocr">Pagina letta con l\'OCR: il testo può contenere errori di lettura</span>' : ""}
          <p class="where">Sezione: ${esc(w.section || c.section || "-")}</p></div></div>
          <button type="button" class="close">Chiudi<span aria-hidden="true"> ✕</span></button></header>
          <div class="context" tabindex="0" aria-label="Testo della fonte con il passaggio citato evidenziato">${w.start > 0 ? "…" : ""}${before}<span class="cited">${cited}</span>${after}${w.end < w.length ? "…" : ""}</div></div>`;
        viewer.querySelector(".close").addEventListener("click", () => this.closeViewer());
        viewer.querySelector(".viewer").focus();
        const mark = viewer.querySelector("mark") || viewer.querySelector(".cited");
        const box = viewer.querySelector(".context");
        if (mark && box) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
      } catch (err) {
        const offline = err instanceof TypeError;
        viewer.innerHTML = `<div class="notice error" role="alert">${offline ? "Il server non è raggiungibile: impossibile aprire la fonte." : "Impossibile aprire la fonte: " + esc(err.message)}</div>`;
      }
    }

    /** The cited span of window ``w`` (escaped), the sentences the answer quotes marked inside it;
     *  the whole span is marked when the citation names no sentence. */
    markQuoted(w, quoted) {
      const lo = w.highlight_start, hi = w.highlight_end;
      const spans = quoted
        .map((q) => [Math.max(q.start - w.start, lo), Math.min(q.end - w.start, hi)])
        .filter(([a, b]) => b > a)
        .sort((x, y) => x[0] - y[0]);
      if (!spans.length) return `<mark>${esc(w.text.slice(lo, hi))}</mark>`;
      let out = "", pos = lo;
      for (const [a, b] of spans) {
        const from = Math.max(a, pos);
        if (b <= from) continue;
        out += esc(w.text.slice(pos, from)) + `<mark>${esc(w.text.slice(from, b))}</mark>`;
        pos = b;
      }
      return out + esc(w.text.slice(pos, hi));
    }

    closeViewer(restoreFocus = true) {
      const viewer = this.$("#viewer");
      if (viewer && viewer.innerHTML) {
        viewer.innerHTML = "";
        if (restoreFocus && this.opener && this.opener.isConnected) this.opener.focus();
      }
    }
  }

  if (!customElements.get("pdz-assistant")) customElements.define("pdz-assistant", PdzAssistant);
})();
