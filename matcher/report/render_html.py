"""``report.html``: one self-contained page (inline CSS, inline SVG pictures, a few lines of
inline script), with no external address of any kind; every user text is escaped.

The page is written in three parts so that the per-actor section can be streamed: :func:`head`
(every section up to the start of the per-actor list), :func:`actor` (one per actor), and
:func:`tail`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

from matcher import __version__
from matcher.index import Index
from matcher.places import gazetteer
from matcher.profile import KINDS, ActorProfile
from matcher.report.clusters import Clustering
from matcher.report.gaps import GapTable
from matcher.report.history import History
from matcher.report.i18n import (
    colon,
    date_text,
    kind_name,
    language_name,
    number,
    part_label,
    tr,
)
from matcher.report.layout import PICTURE_POINTS, MapLayout, fixed_sample
from matcher.report.overview import Overview
from matcher.themes import thesaurus

KIND_COLOURS = {
    "commune": "#1f6fb4", "advisory_council": "#17a2b8", "ngo": "#2e9e44",
    "association": "#a8a21c", "diaspora": "#d1392b", "regional_body": "#8e5bbf",
    "expert": "#ef8a17", "other": "#7c8591",
}
OVERVIEW_COUNTRIES = 25  # countries listed in the overview (all are in the gap table)
CLUSTER_MEMBERS_SHOWN = 30  # per kind and cluster
NEWCOMERS_SHOWN = 100
NEWCOMER_MATCHES = 3

CSS = """
:root{--ink:#1d2733;--muted:#5b6775;--line:#dde2e8;--bg:#f4f6f8;--accent:#1f6fb4}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
sans-serif;color:var(--ink);background:var(--bg)}
header{background:#12324a;color:#fff;padding:26px 32px 16px}
header h1{margin:0 0 4px;font-size:26px;font-weight:650}
header p{margin:0;color:#cddbe7;font-size:14px}
header code{color:#cddbe7;font-size:12px}
nav{display:flex;flex-wrap:wrap;gap:4px 18px;margin-top:14px}
nav a{color:#fff;text-decoration:none;border-bottom:1px solid rgba(255,255,255,.35);font-size:14px}
main{max-width:1200px;margin:0 auto;padding:4px 24px 24px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 24px;
margin:18px 0}
h2{margin:0 0 8px;font-size:21px}
h3{font-size:16px;margin:16px 0 6px}
p.intro{color:var(--muted);margin:0 0 14px;max-width:62em}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:10px 28px}
.bar{display:block;height:9px;margin-top:6px;background:var(--accent);border-radius:2px;
opacity:.75}
td.barcell{width:34%}
.chip{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px}
.kind{font-size:12px;color:var(--muted);white-space:nowrap}
.score{font-variant-numeric:tabular-nums;font-weight:650}
.tag{display:inline-block;background:#e4f3e8;color:#1f6b38;border-radius:9px;padding:0 7px;
font-size:12px;margin-left:4px}
ul.reasons{margin:3px 0 0;padding-left:18px;font-size:13.5px;color:#2c3744}
.parts{font-size:12px;color:var(--muted)}
.muted{color:var(--muted)}
a{color:var(--accent)}
.pair{white-space:nowrap}
.pair .arrow{color:var(--muted);margin:0 4px}
.cluster{border-top:1px solid var(--line);padding:6px 0 10px}
.cluster h3{margin:10px 0 4px}
.cluster .num{display:inline-block;min-width:26px;height:26px;line-height:26px;border-radius:13px;
background:#12324a;color:#fff;text-align:center;font-size:13px;margin-right:8px}
.facts{font-size:13.5px;margin:2px 0}
.facts b{font-weight:600}
.members{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:4px 24px;
font-size:13.5px;margin-top:6px}
.members ul{margin:2px 0;padding-left:18px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;margin:4px 0 8px}
svg{display:block;width:100%;height:auto;background:#fbfcfd;border:1px solid var(--line);
border-radius:6px}
td.zero{color:#b7bec7}
td.gap{background:#fde7e4;color:#a3241a;font-weight:650}
table.gaps th.k{white-space:normal;width:92px;font-size:12.5px;line-height:1.25}
.gapnote{font-size:12px;color:#a3241a;line-height:1.3;margin-top:2px}
.gapnote::before{content:"⚠ "}
.scroll{max-height:820px;overflow:auto;border:1px solid var(--line);border-radius:6px}
.scroll table th{position:sticky;top:0}
.toolbar{display:flex;gap:10px;margin:6px 0 10px}
.toolbar input{flex:1;padding:7px 10px;font:inherit;border:1px solid var(--line);border-radius:6px}
.toolbar button{font:inherit;padding:6px 12px;border:1px solid var(--line);border-radius:6px;
background:#eef2f6;cursor:pointer}
details.actor{border-bottom:1px solid var(--line);padding:5px 0}
details.actor>summary{cursor:pointer}
details.actor[open]>summary{font-weight:600}
ol.sugg{margin:4px 0 8px;padding-left:28px}
ol.sugg>li{margin:7px 0}
.newcomer{border-top:1px solid var(--line);padding:8px 0}
.newcomer ol{margin:4px 0;padding-left:26px;font-size:14px}
footer{color:var(--muted);text-align:center;font-size:13px;padding:4px 16px 28px}
.kind a,summary a{color:inherit}
@media (max-width:640px){header{padding:18px 14px 12px}main{padding:4px 8px 16px}
section{padding:14px 12px}.kind{white-space:normal}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}
table.stack tr:first-child{display:none}table.stack tr{border-bottom:1px solid var(--line);
padding:6px 0}table.stack td{border:0;padding:2px 0}table.stack td.n{text-align:left}
table.stack td.n:first-child::before{content:"#"}}
@media print{nav,.toolbar{display:none}details.actor{break-inside:avoid}
.scroll{max-height:none;overflow:visible}body{background:#fff}section{break-inside:auto}}
"""

SCRIPT = """
(function(){
var box=document.getElementById('actor-filter'),all=document.getElementById('open-all');
var items=document.querySelectorAll('details.actor');
if(box){box.addEventListener('input',function(){var q=box.value.toLowerCase().trim();
for(var i=0;i<items.length;i++){var d=items[i];
d.hidden=q!==''&&d.getAttribute('data-k').indexOf(q)<0;}});}
if(all){all.addEventListener('click',function(){
for(var i=0;i<items.length;i++){if(!items[i].hidden){items[i].open=true;}}});}
window.addEventListener('beforeprint',function(){
for(var i=0;i<items.length;i++){if(!items[i].hidden){items[i].open=true;}}});
var links=document.querySelectorAll('a[href^="#a-"]');
for(var j=0;j<links.length;j++){var l=links[j];
if(!document.getElementById(l.getAttribute('href').slice(1))){l.removeAttribute('href');
l.title='pairs.csv, report.json';}}
})();
"""

# No network at all: styles and scripts inline only, pictures inline or data: only.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")

SECTIONS = ("overview", "synergies", "clusters", "map", "network", "gaps", "newcomers",
            "all_actors")


@dataclass
class View:
    """What the page shows, apart from the per-actor list."""

    lang: str
    index: Index
    top: int
    model: str
    created_at: str
    registry_hash: str
    overview: Overview
    synergies: list[dict[str, Any]]
    clustering: Clustering
    layout: MapLayout
    gaps: GapTable
    history: History
    created: dict[str, str]
    newcomer_matches: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    html_actors: int | None = None  # actors unfolded in the page (None: all)


def e(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return escape(str(text), quote=True)


def _chip(kind: str) -> str:
    return f'<span class="chip" style="background:{KIND_COLOURS[kind]}"></span>'


def _kind(kind: str, lang: str) -> str:
    return f'<span class="kind">{_chip(kind)}{e(kind_name(kind, lang))}</span>'


def _actor_link(actor_id: str, name: str) -> str:
    return f'<a href="#a-{e(actor_id)}">{e(name)}</a>'


def _country(code: str, lang: str) -> str:
    return gazetteer().name(code, lang)


def _score(value: float, lang: str) -> str:
    return number(value, lang)


def _parts(parts: Mapping[str, float], lang: str) -> str:
    """The score's non-zero parts, e.g. ``sens +0,412 · géographie +0,150``."""
    return e(" · ".join(f"{part_label(k, lang)} {number(v, lang, sign=True)}"
                        for k, v in parts.items() if v))


def _reasons(reasons: Sequence[str]) -> str:
    if not reasons:
        return ""
    return '<ul class="reasons">' + "".join(f"<li>{e(r)}</li>" for r in reasons) + "</ul>"


def _bar(count: int, largest: int) -> str:
    """A bar cell whose length is ``count`` relative to ``largest`` (scales with the cell)."""
    percent = max(2.0, 100.0 * count / largest) if largest else 0.0
    return f'<td class="barcell"><span class="bar" style="width:{percent:.0f}%"></span></td>'


# -- page ---------------------------------------------------------------------------------

def head(view: View) -> str:
    """The page up to the per-actor list: every section; the actors' blocks (:func:`actor`)
    follow it, then :func:`tail`."""
    lang = view.lang
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(tr(lang, 'title'))}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(tr(lang, 'title'))}</h1>",
        "<p>" + e(tr(lang, "subtitle", actors=tr(lang, "n_actors", count=len(view.index)),
                       suggestions=tr(lang, "n_suggestions", count=view.top),
                       model=view.model, created=date_text(view.created_at, lang)))
        + "</p>",
        f"<p>{e(tr(lang, 'registry_hash') + colon(lang))}"
        f"<code>{e(view.registry_hash[:16])}</code></p>",
        f'<nav aria-label="{e(tr(lang, "contents"))}">'
        + "".join(f'<a href="#{s}">{e(tr(lang, s))}</a>' for s in SECTIONS) + "</nav>",
        "</header>",
        "<main>",
    ]
    # Every section the navigation names (a report always has actors: see write_report).
    out += [_overview(view), _synergies(view), _clusters(view), _map(view), _network(view),
            _gaps(view), _newcomers(view)]
    out.append(_actors_open(view))
    return "\n".join(out) + "\n"


def tail(view: View) -> str:
    """The end of the page after the actors' blocks: footer and script."""
    return ("</section>\n</main>\n<footer>" + e(tr(view.lang, "footer", version=__version__))
            + f"</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")


def actor(lang: str, profile: ActorProfile, cluster: int | None,
          suggestions: Sequence[Mapping[str, Any]]) -> str:
    """One actor's block in the per-actor list (folded ``<details>``)."""
    key = " ".join([profile.name, profile.id, kind_name(profile.kind, lang)]).lower()
    group = (f' · <a href="#cluster-{cluster}">{e(tr(lang, "cluster", number=cluster))}</a>'
             if cluster else "")
    out = [f'<details class="actor" id="a-{e(profile.id)}" data-k="{e(key)}">',
           f"<summary>{_chip(profile.kind)}{e(profile.name)} "
           f'<span class="kind">{e(kind_name(profile.kind, lang))} · {e(profile.id)}'
           f"{group}</span></summary>"]
    if not suggestions:
        out.append(f'<p class="muted">{e(tr(lang, "no_suggestion"))}</p>')
    else:
        out.append('<ol class="sugg">')
        for s in suggestions:
            out.append(f"<li>{_actor_link(s['id'], s['name'])} {_kind(s['kind'], lang)} "
                       f'<span class="score">{_score(s["score"], lang)}</span>'
                       f'<div class="parts">{_parts(s["parts"], lang)}</div>'
                       f"{_reasons(s['reasons'])}</li>")
        out.append("</ol>")
    out.append("</details>")
    return "\n".join(out) + "\n"


# -- sections -----------------------------------------------------------------------------

def _overview(view: View) -> str:
    lang, ov = view.lang, view.overview
    largest = max((c for _, c in ov.kinds), default=0)
    kinds = "".join(f"<tr><td>{_chip(k)}{e(kind_name(k, lang))}</td><td class='n'>{c}</td>"
                    f"{_bar(c, largest)}</tr>" for k, c in ov.kinds if c)
    kinds += (f"<tr><th>{e(tr(lang, 'total'))}</th><th class='n'>{ov.actor_count}</th>"
              "<th></th></tr>")
    largest = max((c for _, c in ov.languages), default=0)
    languages = "".join(
        f"<tr><td>{e(language_name(code, lang) if code else tr(lang, 'not_stated'))}"
        f" <span class='muted'>{e(code)}</span></td><td class='n'>{c}</td>"
        f"{_bar(c, largest)}</tr>" for code, c in ov.languages)
    shown = ov.countries[:OVERVIEW_COUNTRIES]
    largest = max((c for _, c in shown), default=0)
    countries = "".join(f"<tr><td>{e(_country(code, lang))} <span class='muted'>{e(code)}"
                        f"</span></td><td class='n'>{c}</td>{_bar(c, largest)}</tr>"
                        for code, c in shown)
    language_note = ""
    if sum(c for _, c in ov.languages) > ov.actor_count:
        language_note = f'<p class="muted">{e(tr(lang, "languages_add_up"))}</p>'
    notes = [tr(lang, "countries_add_up")] if ov.countries else []
    if len(ov.countries) > len(shown):
        notes.append(tr(lang, "other_countries", count=len(ov.countries) - len(shown)))
    if ov.without_country:
        notes.append(tr(lang, "no_country", count=ov.without_country))
    note = "".join(f'<p class="muted">{e(n)}</p>' for n in notes)

    def table(title: str, head_label: str, rows: str, extra: str = "") -> str:
        return (f"<div><h3>{e(title)}</h3><table><tr><th>{e(head_label)}</th>"
                f"<th class='n'>{e(tr(lang, 'actors'))}</th><th></th></tr>{rows}</table>"
                f"{extra}</div>")

    return (f'<section id="overview"><h2>{e(tr(lang, "overview"))}</h2><div class="grid">'
            + table(tr(lang, "per_kind"), tr(lang, "kind"), kinds)
            + table(tr(lang, "per_language"), tr(lang, "language"), languages, language_note)
            + table(tr(lang, "per_country"), tr(lang, "country"), countries, note)
            + "</div></section>")


def _synergies(view: View) -> str:
    lang = view.lang
    out = [f'<section id="synergies"><h2>{e(tr(lang, "synergies"))}</h2>',
           f'<p class="intro">{e(tr(lang, "synergies_intro"))}</p>']
    if not view.synergies:
        out.append(f"<p>{e(tr(lang, 'no_synergies'))}</p></section>")
        return "".join(out)
    out.append(f"<table class='stack'><tr><th class='n'>#</th><th>{e(tr(lang, 'pair'))}</th>"
               f"<th class='n'>{e(tr(lang, 'score'))}</th>"
               f"<th>{e(tr(lang, 'reasons'))}</th></tr>")
    for i, s in enumerate(view.synergies, start=1):
        mutual = f'<span class="tag">{e(tr(lang, "mutual"))}</span>' if s["mutual"] else ""
        out.append(
            f"<tr><td class='n'>{i}</td><td><div>{_actor_link(s['source'], s['source_name'])}"
            f"</div>{_kind(s['source_kind'], lang)}"
            f"<div><span class='arrow'>↔</span>{_actor_link(s['target'], s['target_name'])}"
            f"</div>{_kind(s['target_kind'], lang)}</td>"
            f"<td class='n'><span class='score'>{_score(s['score'], lang)}</span>{mutual}</td>"
            f"<td>{_reasons(s['reasons'])}<div class='parts'>{_parts(s['parts'], lang)}</div>"
            "</td></tr>")
    out.append("</table></section>")
    return "".join(out)


def _clusters(view: View) -> str:
    lang, index, clustering = view.lang, view.index, view.clustering
    intro = tr(lang, "clusters_intro", method=clustering.method,
               groups=tr(lang, "n_clusters", count=len(clustering.clusters)))
    out = [f'<section id="clusters"><h2>{e(tr(lang, "clusters"))}</h2>',
           f'<p class="intro">{e(intro)}</p>']
    for cluster in clustering.clusters:
        out.append(f'<div class="cluster" id="cluster-{cluster.number}"><h3>'
                   f'<span class="num">{cluster.number}</span>{e(cluster.name(lang))} '
                   f'<span class="muted">({e(tr(lang, "members", count=cluster.size))})'
                   "</span></h3>")
        facts = (("topics", [f"{thesaurus().label(t, lang)} ({c})" for t, c in cluster.topics]),
                 ("keywords", cluster.keywords),
                 ("themes", [f"{t} ({c})" for t, c in cluster.themes]),
                 ("countries", [f"{_country(code, lang)} ({c})"
                                for code, c in cluster.countries]))
        out.extend(f'<p class="facts"><b>{e(tr(lang, label))}</b>{e(colon(lang))}'
                   f'{e(", ".join(items))}</p>' for label, items in facts if items)
        by_kind: dict[str, list[int]] = {}
        for row in cluster.rows:
            by_kind.setdefault(index.profiles[row].kind, []).append(row)
        out.append('<div class="members">')
        for kind in KINDS:
            rows = by_kind.get(kind)
            if not rows:
                continue
            items = "".join(f"<li>{_actor_link(index.profiles[r].id, index.profiles[r].name)}"
                            "</li>" for r in rows[:CLUSTER_MEMBERS_SHOWN])
            if len(rows) > CLUSTER_MEMBERS_SHOWN:
                items += (f'<li class="muted">'
                          f"{e(tr(lang, 'and_more', count=len(rows) - CLUSTER_MEMBERS_SHOWN))}"
                          "</li>")
            out.append(f"<div>{_kind(kind, lang)} <span class='muted'>({len(rows)})</span>"
                       f"<ul>{items}</ul></div>")
        out.append("</div></div>")
    out.append("</section>")
    return "".join(out)


def _legend(lang: str, kinds: Sequence[str]) -> str:
    return ('<div class="legend">' + "".join(f"<span>{_chip(k)}{e(kind_name(k, lang))}</span>"
                                             for k in kinds) + "</div>")


def _map(view: View) -> str:
    lang, index = view.lang, view.index
    width, height, margin = 1000, 600, 24
    rows = fixed_sample(len(index), PICTURE_POINTS)
    radius = 5.0 if len(rows) <= 300 else 3.2 if len(rows) <= 1500 else 2.2
    coords = view.layout.coords
    kinds_present = [k for k in KINDS if any(p.kind == k for p in index.profiles)]

    def xy(point: np.ndarray) -> tuple[float, float]:
        # coordinates lie in [-0.05, 1.05]
        u, v = (float(point[0]) + 0.05) / 1.1, (float(point[1]) + 0.05) / 1.1
        return margin + u * (width - 2 * margin), height - margin - v * (height - 2 * margin)

    dots = []
    for row in rows:
        profile = index.profiles[int(row)]
        x, y = xy(coords[row])
        dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" '
                    f'fill="{KIND_COLOURS[profile.kind]}"><title>{e(profile.name)} '
                    f"({e(kind_name(profile.kind, lang))})</title></circle>")
    badges = []
    for cluster in view.clustering.clusters:
        if len(view.clustering.clusters) < 2:
            break
        centre = np.median(coords[cluster.rows], axis=0)
        x, y = xy(centre)
        badges.append(f'<g class="badge"><circle cx="{x:.1f}" cy="{y:.1f}" r="11" '
                      'fill="#12324a" fill-opacity="0.85" stroke="#fff" stroke-width="1.5"/>'
                      f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="12" '
                      f'fill="#fff" font-weight="700">{cluster.number}</text>'
                      f"<title>{e(tr(lang, 'cluster', number=cluster.number) + colon(lang))}"
                      f"{e(cluster.name(lang))}</title></g>")
    note = ""
    if len(rows) < len(index):
        sampled = tr(lang, "map_sampled", shown=len(rows), total=len(index))
        note = f'<p class="muted">{e(sampled)}</p>'
    return (f'<section id="map"><h2>{e(tr(lang, "map"))}</h2>'
            f'<p class="intro">{e(tr(lang, "map_intro", method=view.layout.method))}</p>'
            + _legend(lang, kinds_present)
            + f'<svg viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{e(tr(lang, "map"))}">'
            f'<g fill-opacity="0.78" stroke="#fff" stroke-width="0.6">{"".join(dots)}</g>'
            + "".join(badges) + f"</svg>{note}</section>")


def _network(view: View) -> str:
    lang = view.lang
    out = [f'<section id="network"><h2>{e(tr(lang, "network"))}</h2>']
    if not view.synergies:
        out.append(f"<p>{e(tr(lang, 'no_synergies'))}</p></section>")
        return "".join(out)
    out.append(f'<p class="intro">{e(tr(lang, "network_intro"))}</p>')
    nodes: dict[str, tuple[str, str]] = {}
    for s in view.synergies:
        nodes[s["source"]] = (s["source_name"], s["source_kind"])
        nodes[s["target"]] = (s["target_name"], s["target_kind"])
    order = sorted(nodes, key=lambda i: (KINDS.index(nodes[i][1]), nodes[i][0].casefold(), i))
    slots: dict[str, int] = {}
    slot = 0
    previous_kind = None
    for actor_id in order:
        kind = nodes[actor_id][1]
        if previous_kind is not None and kind != previous_kind:
            slot += 1  # a blank slot between kinds
        slots[actor_id] = slot
        slot += 1
        previous_kind = kind
    total = slot + 1
    width, height = 1000, 1000
    cx, cy, radius = width / 2, height / 2, 235.0

    def position(actor_id: str, r: float = radius) -> tuple[float, float, float]:
        angle = -math.pi / 2 + 2 * math.pi * slots[actor_id] / total
        return cx + r * math.cos(angle), cy + r * math.sin(angle), angle

    scores = [s["score"] for s in view.synergies]
    low, high = min(scores), max(scores)
    edges = []
    for s in reversed(view.synergies):  # strongest drawn last, on top
        x1, y1, _ = position(s["source"])
        x2, y2, _ = position(s["target"])
        qx = cx + 0.3 * ((x1 + x2) / 2 - cx)
        qy = cy + 0.3 * ((y1 + y2) / 2 - cy)
        weight = 1.2 + 4.5 * ((s["score"] - low) / (high - low) if high > low else 1.0)
        dash = "" if s["mutual"] else ' stroke-dasharray="5 3"'
        edges.append(f'<path d="M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}" '
                     f'stroke-width="{weight:.2f}"{dash}><title>{e(s["source_name"])} ↔ '
                     f'{e(s["target_name"] + colon(lang))}{_score(s["score"], lang)}'
                     "</title></path>")
    dots = []
    for actor_id in order:
        name, kind = nodes[actor_id]
        x, y, angle = position(actor_id)
        lx, ly, _ = position(actor_id, radius + 12)
        degrees = math.degrees(angle)
        if math.cos(angle) >= -1e-9:
            anchor, rotate = "start", degrees
        else:
            anchor, rotate = "end", degrees + 180
        label = name if len(name) <= 32 else name[:31].rstrip() + "…"
        dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{KIND_COLOURS[kind]}" '
                    f'stroke="#fff" stroke-width="1.5"><title>{e(name)} '
                    f"({e(kind_name(kind, lang))})</title></circle>"
                    f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
                    f'dominant-baseline="middle" transform="rotate({rotate:.1f} {lx:.1f} '
                    f'{ly:.1f})">{e(label)}</text>')
    kinds_present = [k for k in KINDS if any(kind == k for _, kind in nodes.values())]
    out.append(_legend(lang, kinds_present))
    out.append(f'<svg viewBox="0 0 {width} {height}" '
               f'role="img" aria-label="{e(tr(lang, "network"))}">'
               f'<g fill="none" stroke="#34617f" stroke-opacity="0.5">{"".join(edges)}</g>'
               f'<g font-size="12" fill="#1d2733">{"".join(dots)}</g></svg></section>')
    return "".join(out)


def _gaps(view: View) -> str:
    lang, table, index = view.lang, view.gaps, view.index
    out = [f'<section id="gaps"><h2>{e(tr(lang, "gaps"))}</h2>',
           f'<p class="intro">{e(tr(lang, "gaps_intro"))}</p>']
    if table.rows:
        header = "".join(f"<th class='n k'>{_chip(k)}{e(kind_name(k, lang))}</th>"
                         for k in table.kinds)
        out.append(f'<div class="scroll"><table class="gaps"><tr><th>{e(tr(lang, "country"))}'
                   f"</th>{header}<th class='n'>{e(tr(lang, 'total'))}</th></tr>")
        for row in table.rows:
            cells = []
            for kind in table.kinds:
                count = row.counts[kind]
                if row.is_gap_cell(kind):
                    cells.append(f"<td class='n gap'>{count}</td>")
                else:
                    cells.append(f"<td class='n{'' if count else ' zero'}'>"
                                 f"{count if count else '·'}</td>")
            gaps = "".join(f"<div class='gapnote'>{e(tr(lang, 'gap_' + g))}</div>"
                           for g in row.gaps)
            out.append(f"<tr><td>{e(_country(row.code, lang))} <span class='muted'>"
                       f"{e(row.code)}</span>{gaps}</td>{''.join(cells)}"
                       f"<td class='n'><b>{row.total}</b></td></tr>")
        out.append("</table></div>")
    if table.gap_count == 0:
        out.append(f"<p>{e(tr(lang, 'no_gaps'))}</p>")
    out.append(f"<h3>{e(tr(lang, 'lonely_diaspora'))}</h3>")
    if table.diaspora_without_commune:
        items = []
        for lonely in table.diaspora_without_commune:
            profile = index.profiles[lonely.row]
            places = ", ".join(_country(c, lang) for c in lonely.countries)
            items.append(f"<li>{_actor_link(profile.id, profile.name)} "
                         f"<span class='muted'>— {e(places)}</span></li>")
        out.append("<ul>" + "".join(items) + "</ul>")
    else:
        out.append(f"<p>{e(tr(lang, 'no_lonely_diaspora'))}</p>")
    out.append("</section>")
    return "".join(out)


def _newcomers(view: View) -> str:
    lang, history, index = view.lang, view.history, view.index
    out = [f'<section id="newcomers"><h2>{e(tr(lang, "newcomers"))}</h2>']
    if history.previous is None:
        out.append(f"<p>{e(tr(lang, 'first_report'))}</p></section>")
        return "".join(out)
    out.append("<p>" + e(tr(lang, "since", created=date_text(history.previous.created_at, lang),
                            actors=tr(lang, "n_actors", count=history.previous.actor_count),
                            added=tr(lang, "n_added", count=len(history.added)),
                            removed=tr(lang, "n_removed", count=len(history.removed))))
               + "</p>")
    if history.previous.made_with_another_model(view.model):
        out.append("<p>" + e(tr(lang, "other_model", previous=history.previous.model,
                                current=view.model)) + "</p>")
    for row in history.added[:NEWCOMERS_SHOWN]:
        profile = index.profiles[row]
        added = tr(lang, "added_on",
                   date=date_text(view.created.get(profile.id, ""), lang, with_time=False))
        matches = view.newcomer_matches.get(row, [])
        items = "".join(f"<li>{_actor_link(m['id'], m['name'])} {_kind(m['kind'], lang)} "
                        f"<span class='score'>{_score(m['score'], lang)}</span>"
                        f"{_reasons(m['reasons'][:2])}</li>" for m in matches)
        out.append(f'<div class="newcomer">{_chip(profile.kind)}'
                   f"{_actor_link(profile.id, profile.name)} <span class='kind'>"
                   f"{e(kind_name(profile.kind, lang))} · {e(added)}</span>"
                   + (f"<ol>{items}</ol>" if items else
                      f"<p class='muted'>{e(tr(lang, 'no_suggestion'))}</p>") + "</div>")
    if len(history.added) > NEWCOMERS_SHOWN:
        out.append(f"<p class='muted'>"
                   f"{e(tr(lang, 'and_more', count=len(history.added) - NEWCOMERS_SHOWN))}"
                   "</p>")
    out.append("</section>")
    return "".join(out)


def _actors_open(view: View) -> str:
    lang = view.lang
    total = len(view.index)
    shown = total if view.html_actors is None else min(view.html_actors, total)
    truncated = (f'<p class="intro">{e(tr(lang, "actors_truncated", shown=shown, total=total))}'
                 '</p>' if shown < total else "")
    return (f'<section id="all_actors"><h2>{e(tr(lang, "all_actors"))}</h2>'
            f'<p class="intro">{e(tr(lang, "all_actors_intro", count=view.top))}</p>{truncated}'
            f'<div class="toolbar"><input id="actor-filter" type="search" '
            f'placeholder="{e(tr(lang, "filter"))}" aria-label="{e(tr(lang, "filter"))}">'
            f'<button id="open-all" type="button">{e(tr(lang, "open_all"))}</button></div>')
