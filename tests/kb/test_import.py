"""`kb import` on documentation folders as generators write them: the report, the pages."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from community.extensions import db
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
