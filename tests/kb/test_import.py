"""`kb import` on documentation folders as generators write them: the report, the pages."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from community.extensions import db
from community.uploads import ALLOWED_TYPES
from kb.models import Article, ArticleAlias, Attachment, Category, ImportSource

FIXTURES = Path(__file__).parent / "import_fixtures"


def run_import(app, folder: Path, *options: str):
    return app.test_cli_runner().invoke(args=["kb", "import", str(folder), *options])


def copy_fixture(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def page(client, slug: str) -> str:
    response = client.get(f"/kb/articles/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_hugo_folder_imports_as_it_is(app, client, tmp_path):
    """Hugo: unknown fields kept and named once, TOML read, two "Reference" pages, links."""
    folder = copy_fixture(tmp_path, "hugo")
    result = run_import(app, folder, "--status", "published")
    assert result.exit_code == 0, result.output
    assert "created    content/docs/install.md -> install-portico" in result.output
    assert "created    content/docs/guide-reference.md -> reference\n" in result.output
    assert "created    content/docs/reference.md -> reference-2\n" in result.output
    assert "fields kept as metadata (files): hide_sidebar (1), summary_image (1)" in result.output
    assert "2 template tags or shortcodes removed" in result.output
    assert "unresolved link: ../../etc/passwd" in result.output
    assert "unresolved link: nowhere.md" in result.output
    html = page(client, "install-portico")
    body = html.split('class="prose kb-body">', 1)[1].split("</div>", 1)[0]
    assert "Install Portico" not in body and "{{" not in body and "copyable" not in body
    assert '<li>\n<p>Create the database:</p>\n<pre><code class="language-sql">' in body
    assert 'href="/kb/articles/reference-2#h-配置-选项"' in body
    assert 'id="h-配置-选项"' in page(client, "reference-2")
    assert 'href="#h-step-two"' in body and 'id="h-step-two"' in body
    assert 'src="/kb/articles/install-portico/files/shot.png"' in body
    image = client.get("/kb/articles/install-portico/files/shot.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    with app.app_context():
        source = db.session.scalar(
            select(ImportSource).where(ImportSource.path.like("%install.md"))
        )
        assert source.extra == {"hide_sidebar": True, "summary_image": "x.png"}
        assert source.position == 2 and source.article.summary == "How to install it."


def test_old_addresses_redirect_and_a_moved_file_keeps_its_article(app, client, tmp_path):
    """Aliases answer 301; a re-import skips unchanged files; a moved file keeps its article."""
    folder = copy_fixture(tmp_path, "hugo")
    run_import(app, folder, "--status", "published")
    moved = client.get("/kb/old/install/")
    assert moved.status_code == 301 and moved.location.endswith("/kb/articles/install-portico")
    assert client.get("/kb/content/docs/install").status_code == 301
    assert client.get("/kb/no/such/page").status_code == 404
    again = run_import(app, folder, "--status", "published")
    assert "0 created, 0 updated, 3 unchanged, 0 refused" in again.output
    (folder / "content/docs/install.md").rename(folder / "content/setup.md")
    (folder / "content/setup.md").write_text(
        (folder / "content/setup.md").read_text().replace("(shot.png)", "(docs/shot.png)")
    )
    after_move = run_import(app, folder, "--status", "published")
    assert "updated    content/setup.md -> install-portico" in after_move.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 3
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_dry_run_saves_nothing(app, tmp_path):
    """--dry-run reports what would happen and writes no article."""
    result = run_import(app, copy_fixture(tmp_path, "hugo"), "--dry-run")
    assert result.exit_code == 0 and "3 created" in result.output
    assert "dry run: nothing was saved" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0
        assert db.session.scalar(select(func.count()).select_from(ArticleAlias)) == 0


def test_mkdocs_admonitions_tabs_and_folders(app, client, tmp_path):
    """MkDocs: titles from headings, admonitions, tabs, footnotes, definition lists."""
    folder = copy_fixture(tmp_path, "mkdocs") / "docs"
    result = run_import(
        app, folder, "--status", "published", "--category-from-folders", "--category", "Help"
    )
    assert "created    index.md -> getting-started" in result.output, result.output
    html = page(client, "getting-started")
    assert '<div class="admonition note">' in html and "Before you begin" in html
    assert '<div class="admonition tip">' in html and "???" not in html and "===" not in html
    assert "<strong>Linux</strong>" in html and "<code>make run</code>" in html
    assert 'href="/kb/articles/usage"' in html
    usage = page(client, "usage")
    assert "<dt>Term</dt>" in usage and 'id="h-fn:1"' in usage and "<details>" in usage
    with app.app_context():
        categories = dict(
            db.session.execute(select(Article.slug, Category.name).join(Article.category)).all()
        )
        assert categories == {"getting-started": "Help", "usage": "guide"}


def test_docusaurus_vitepress_and_jekyll(app, client, tmp_path):
    """MDX imports and tab tags go, `:::` and `> [!NOTE]` become boxes, Liquid is removed."""
    for name in ("docusaurus", "vitepress", "jekyll"):
        result = run_import(app, copy_fixture(tmp_path, name), "--status", "published")
        assert result.exit_code == 0, result.output
    api = page(client, "api")
    assert "import Tabs" not in api and "TabItem" not in api
    assert '<div class="admonition warning">' in api and "<strong>Python</strong>" in api
    assert '<code class="language-python">' in api
    intro = page(client, "introduction")
    assert intro.count('<div class="admonition') == 2 and "[!NOTE]" not in intro
    assert 'href="/kb/articles/other"' in intro
    assert "No front matter" in page(client, "other")
    faq = page(client, "faq")
    assert "{%" not in faq and '<code class="language-ruby">' in faq
    assert client.get("/kb/faq.html").status_code == 301


def test_raw_html_images_videos_and_a_contents_list(app, client, tmp_path, monkeypatch):
    """Raw `<img>`/`<a>`/`<video>` resolve like Markdown links; a video the upload checks
    refuse, or one on another site, becomes a link; a long page opens with its contents."""
    folder = tmp_path / "docs"
    (folder / "guide").mkdir(parents=True)
    shutil.copy(FIXTURES / "hugo/content/docs/shot.png", folder / "guide/shot.png")
    (folder / "guide/clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16)
    (folder / "guide/old.avi").write_bytes(b"RIFF0000AVI LIST")
    sections = "".join(f"## Step {number}\n\nDo thing {number}.\n\n" for number in range(1, 7))
    (folder / "guide/media.md").write_text(
        "# Media & more\n\n"
        '<p><img src="shot.png" alt="Screen"> <a href="../short.md#Only-One">short</a></p>\n\n'
        '<video src="clip.mp4" poster="shot.png" autoplay onplay="alert(1)"></video>\n\n'
        '<video controls><source src="old.avi" type="video/avi"></video>\n\n'
        '<video src="https://cdn.example.com/tour.mp4"></video>\n\n'
        '```html\n<video src="in-code.mp4"></video>\n```\n\n' + sections,
        encoding="utf-8",
    )
    (folder / "short.md").write_text(
        "# Short\n\n## Only one\n\n## Two & three\n\n## Four\n", encoding="utf-8"
    )
    monkeypatch.setitem(ALLOWED_TYPES, "mp4", ("video/mp4", None))  # a site that accepts mp4
    result = run_import(app, folder, "--status", "published")
    assert result.exit_code == 0, result.output
    assert "the video 'old.avi' cannot be played from this site" in result.output
    assert "the video 'https://cdn.example.com/tour.mp4' cannot be played" in result.output
    html = page(client, "media-more")
    body = html.split('class="prose kb-body">', 1)[1].split("</div>\n\n", 1)[0]
    assert '<img src="/kb/articles/media-more/files/shot.png" alt="Screen">' in body
    assert 'href="/kb/articles/short#h-only-one"' in body
    assert (
        '<video src="/kb/articles/media-more/files/clip.mp4" '
        'poster="/kb/articles/media-more/files/shot.png"'
    ) in body
    assert 'controls="controls"' in body and "autoplay" not in body and "onplay" not in body
    assert "<p>old.avi</p>" in body and "<source" not in body
    assert '<a href="https://cdn.example.com/tour.mp4"' in body
    assert '&lt;video src="in-code.mp4"&gt;' in body  # code is left as it is
    video = client.get("/kb/articles/media-more/files/clip.mp4")
    assert video.status_code == 200 and video.mimetype == "video/mp4"
    contents = html.split('<nav class="kb-contents"', 1)[1].split("</nav>", 1)[0]
    assert "Contents" in contents and contents.count("<li>") == 6
    assert '<a href="#h-step-6">Step 6</a>' in contents and 'id="h-step-6"' in body
    assert "On this page" not in html
    short = page(client, "short")
    assert "kb-contents" not in short and "On this page" in short
    assert '<a href="#h-two-three">Two &amp; three</a>' in short
