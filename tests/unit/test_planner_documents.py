"""Routes backed by documents (``planner.documents``): a clause no route takes goes to the specialist
whose documents hold every word of it and one of their topic words."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.errors import ConfigurationError
from crewline.nodes.planning.documents import (
    content_stems,
    covering_route,
    folder_vocabulary,
    resolve_folder,
)
from crewline.nodes.planning.planner import Planner, PlannerSettings, RouteExamples, build_planner
from crewline.tools.knowledge import DOCS_DIR

ARTICLES = {
    "alerts.md": "# Alerts\nTurn on text message alerts in the app. Alerts arrive within a minute. Thanks!",
    "fees.md": "# Fees\nThe annual fee is charged once a year. You need to pay it in the app.",
    "travel.md": "# Travel\nTell us before you travel abroad. Use the app to set a travel notice.",
    "branches.md": "# Branches\nOur branches open at nine. Visit a branch or use the app.",
    "paper.md": "# Paperless\nGo paperless in the app and statements arrive by email.",
}
ROUTES = [
    RouteExamples(
        "knowledge", "help centre questions", ["how do I set up a travel notice", "what fees do you charge"]
    ),
    RouteExamples("billing", "balances and payments", ["how much do I owe", "when is my next payment due"]),
]


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG not text")  # not a document: skipped
    return tmp_path


def test_content_stems_are_content_words_cut_to_five_letters() -> None:
    assert content_stems("What's the time in Tokyo, 2024?") == {"time", "tokyo"}
    assert content_stems("how do I turn on text alerts") == {"turn", "text", "alert"}
    assert content_stems("is it") == frozenset()


def test_a_word_every_article_uses_is_no_topic(articles: Path) -> None:
    vocabulary = folder_vocabulary(articles)
    assert {"alert", "app", "paper"} <= vocabulary.words
    assert "alert" in vocabulary.topical and "app" not in vocabulary.topical  # "app": all five use it
    assert vocabulary.covers(content_stems("text alerts in the app"))
    assert not vocabulary.covers(content_stems("use the app"))  # only a word every article uses
    assert not vocabulary.covers(content_stems("text alerts in Tokyo"))  # "Tokyo": no article's


def test_only_one_covering_route_takes_a_clause(articles: Path) -> None:
    vocabulary = folder_vocabulary(articles)
    assert covering_route("go paperless", {"knowledge": vocabulary}) == "knowledge"
    assert covering_route("go paperless", {"knowledge": vocabulary, "other": vocabulary}) is None
    assert covering_route("what is it", {"knowledge": vocabulary}) is None


def test_a_folder_is_a_path_or_a_module_attribute(articles: Path) -> None:
    assert resolve_folder(str(articles)) == articles
    assert resolve_folder("crewline.tools.knowledge:DOCS_DIR") == DOCS_DIR
    with pytest.raises(ConfigurationError, match="cannot import"):
        resolve_folder("crewline.tools.knowledge:NO_SUCH_FOLDER")
    with pytest.raises(ConfigurationError, match="is not a folder"):
        resolve_folder(str(articles / "alerts.md"))


def _planner(articles: Path, tmp_path_factory: pytest.TempPathFactory, **documents: str) -> Planner:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREWLINE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        return build_planner(
            ROUTES,
            entity_patterns={},
            model=None,
            settings=PlannerSettings(documents=documents),
            default_threshold=0.35,
        )


def _routes(planner: Planner, text: str) -> list[str | None]:
    return [subtask["specialist"] for subtask in planner.plan(text, turn=1, context={}).subtasks]


def test_a_clause_no_route_takes_goes_to_the_route_whose_documents_cover_it(
    articles: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    without = _planner(articles, tmp_path_factory)
    with_documents = _planner(articles, tmp_path_factory, knowledge=str(articles))
    assert _routes(without, "how do I turn on text alerts") == [None]
    assert _routes(with_documents, "how do I turn on text alerts") == ["knowledge"]
    # not a world question, nor thanks, nor a request a route's examples take
    assert _routes(with_documents, "what time is it in Tokyo") == [None]
    assert _routes(with_documents, "Thanks!") == [None]
    assert _routes(with_documents, "how much do I owe") == ["billing"]


def test_a_how_to_question_the_documents_cover_is_theirs_in_another_routes_words(
    articles: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    question = "how do I pay the annual fee"  # billing's words ("pay"), the fees article's topic
    without = _planner(articles, tmp_path_factory)
    with_documents = _planner(articles, tmp_path_factory, knowledge=str(articles))
    assert _routes(without, question) == ["billing"]
    assert _routes(with_documents, question) == ["knowledge"]
    # a request that is no how-to question keeps its route; a how-to the documents lack keeps its own
    assert _routes(with_documents, "pay the annual fee") == _routes(without, "pay the annual fee")
    assert _routes(with_documents, "how do I pay my mortgage") == _routes(without, "how do I pay my mortgage")


def test_documents_of_a_route_the_crew_lacks_are_a_configuration_error(
    articles: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(ConfigurationError, match="not specialists"):
        _planner(articles, tmp_path_factory, helpdesk=str(articles))
