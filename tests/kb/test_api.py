"""`GET /api/v1/search` and its description in `/api/openapi.json`."""

from __future__ import annotations

import pytest

from kb.models import ArticleStatus


def test_search_api_returns_ranked_results(client, make_article, make_category):
    """Results carry title, absolute url, highlighted snippet, score and kind, best first."""
    category = make_category("returns", "Returns")
    first = make_article(
        "When will I get my refund?", "We send the refund the same day.", category_id=category
    )
    make_article("Return labels", "A refund follows the return.")
    make_article("Secret refund policy", "Draft refund.", status=ArticleStatus.DRAFT)
    response = client.get("/api/v1/search?q=refunds")
    assert response.status_code == 200
    results = response.get_json()
    assert response.headers["X-Total-Count"] == "2"
    assert [item["title"] for item in results] == [first.title, "Return labels"]
    assert set(results[0]) == {"title", "url", "snippet", "score", "kind"}
    assert results[0]["url"] == f"http://portal.test/kb/articles/{first.slug}"
    assert "<mark>refund</mark>" in results[0]["snippet"] and results[0]["kind"] == "article"
    assert results[0]["score"] >= results[1]["score"] > 0


def test_search_api_limit_and_category(client, make_article, make_category):
    """`limit` caps the list; `category` filters by slug."""
    returns = make_category("returns", "Returns")
    for number in range(5):
        make_article(
            f"Refund case {number}", "A refund.", category_id=returns if number < 2 else None
        )
    assert len(client.get("/api/v1/search?q=refund&limit=3").get_json()) == 3
    assert len(client.get("/api/v1/search?q=refund&category=returns").get_json()) == 2
    assert client.get("/api/v1/search?q=退货").get_json() == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "q"),
        ("?q=", "q"),
        ("?q=%20%20", "q"),
        ("?q=refund&limit=0", "limit"),
        ("?q=refund&limit=500", "limit"),
        ("?q=refund&limit=ten", "limit"),
        ("?q=refund&page=0", "page"),
        ("?q=refund&category=nowhere", "category"),
    ],
)
def test_search_api_names_the_bad_field(client, query, field):
    """Missing or invalid parameters get a 422 that names the field."""
    response = client.get("/api/v1/search" + query)
    assert response.status_code == 422
    assert [item["field"] for item in response.get_json()["error"]["fields"]] == [field]


def test_openapi_describes_the_search(client):
    """The OpenAPI document lists /api/v1/search with its parameters and result schema."""
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/v1/search"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "q",
        "limit",
        "page",
        "category",
    }
    items = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/SearchResult"}
    schema = document["components"]["schemas"]["SearchResult"]
    assert set(schema["required"]) == {"title", "url", "snippet", "score", "kind"}
    assert "422" in operation["responses"]
