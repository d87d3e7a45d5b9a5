"""User Markdown is rendered, then sanitised: nothing active survives."""

from html.parser import HTMLParser

import pytest

from hrdebate.text import ALLOWED_TAGS, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href=\"https://x\" hx-get=\"/account/delete\" hx-trigger=\"load\">x</a>",
    "<div data-hx-post=\"/x\">x</div>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<form action=/auth/logout method=post><button>x</button></form>",
    "<iframe src=https://evil.example></iframe>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<style>body{display:none}</style>",
    "![x](https://evil.example/track.png)",
]


class Elements(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser would parse it."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_is_inert(source):
    for tag, attrs in Elements(render_markdown(source)).found:
        assert tag in ALLOWED_TAGS, (source, tag)
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-", "style")), (source, name)
            if name == "href":
                assert value.startswith(("https://", "http://", "mailto:")), (source, value)


def test_markdown_basics_survive():
    html = render_markdown("# Title\n\n*a* **b** [link](https://example.org)\n\n- one\n- two")
    assert "<h3>Title</h3>" in html
    assert "<em>a</em>" in html and "<strong>b</strong>" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">link</a>' in html
    assert "<li>one</li>" in html


def test_empty_text():
    assert render_markdown("") == "" and render_markdown(None) == ""
