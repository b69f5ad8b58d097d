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


def test_content_stems_are_content_words_stemmed_alike() -> None:
    assert content_stems("What's the time in Tokyo, 2024?") == content_stems("times Tokyo")
    assert content_stems("how do I turn on text alerts") == content_stems("turning texts alert")
    assert content_stems("is it") == frozenset()


def test_a_word_every_article_uses_is_no_topic(articles: Path) -> None:
    vocabulary = folder_vocabulary(articles)
    assert content_stems("alerts app paperless") <= vocabulary.words
    assert content_stems("alert") <= vocabulary.topical
    assert not content_stems("app") & vocabulary.topical  # "app": all five use it
    assert vocabulary.covers(content_stems("text alerts in the app"))
    assert not vocabulary.covers(content_stems("use the app"))  # only a word every article uses
    assert not vocabulary.covers(content_stems("text alerts in Tokyo"))  # "Tokyo": no article's


def test_only_one_covering_route_takes_a_clause(articles: Path) -> None:
    vocabulary = folder_vocabulary(articles)
    assert covering_route("go paperless for statements", {"knowledge": vocabulary}) == "knowledge"
    assert (
        covering_route("go paperless for statements", {"knowledge": vocabulary, "other": vocabulary}) is None
    )
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


def test_a_how_to_question_in_a_sure_routes_own_words_stays_there(
    articles: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # billing's examples name paying: billing acts on it, though the fees article covers the question
    # (a how-to taken by function words or unsure goes to documents: test_planner_documents_review)
    without = _planner(articles, tmp_path_factory)
    with_documents = _planner(articles, tmp_path_factory, knowledge=str(articles))
    for question in ("how do I pay the annual fee", "pay the annual fee", "how do I pay my mortgage"):
        assert _routes(with_documents, question) == _routes(without, question) == ["billing"]


def test_documents_of_a_route_the_crew_lacks_are_a_configuration_error(
    articles: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with pytest.raises(ConfigurationError, match="not a specialist"):
        _planner(articles, tmp_path_factory, helpdesk=str(articles))


def test_a_noun_in_ence_meets_its_adjective_in_ent(tmp_path: Path) -> None:
    # "difference" and "different" stemmed apart ("differenc", "different"): a request asking "the
    # difference between" two cards shared no word with articles that say how they are different
    (tmp_path / "cards.md").write_text(
        "# Cards\nThe Classic and Voyager cards are different: Voyager earns travel points.", encoding="utf-8"
    )
    (tmp_path / "fees.md").write_text("# Fees\nThe annual fee is charged once a year.", encoding="utf-8")
    (tmp_path / "alerts.md").write_text("# Alerts\nTurn on text alerts in the app.", encoding="utf-8")
    (tmp_path / "travel.md").write_text("# Travel\nSet a travel notice in the app.", encoding="utf-8")
    (tmp_path / "branches.md").write_text("# Branches\nVisit a branch at nine.", encoding="utf-8")
    vocabulary = folder_vocabulary(tmp_path)
    assert content_stems("difference") == content_stems("different")
    assert content_stems("importance") == content_stems("important")
    assert content_stems("fence") != content_stems("fent")  # short stems keep their own ending
    assert vocabulary.covers(content_stems("what's the difference between the Classic and Voyager cards"))
