"""The review of the planner's documents rule: what it must leave alone (records a specialist acts
on, small talk, the chat model's say) and how it is configured (paths, cache, messages)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI

from crewline.errors import ConfigurationError
from crewline.evals.benchmarks.compound_planning import demo_planner
from crewline.graphs.spec import load_spec
from crewline.nodes.models.factory import ModelChain, ModelSettings
from crewline.nodes.planning.decompose import Clause
from crewline.nodes.planning.documents import content_stems, folder_vocabulary
from crewline.nodes.planning.planner import Planner, PlannerSettings, RouteExamples, build_planner
from crewline.nodes.planning.router import Router, RouteScore
from tests.support.fake_openai import FakeOpenAI, structured

ARTICLES = {
    "alerts.md": "# Alerts\nTurn on text message alerts in the app. Alerts arrive within a minute.",
    "fees.md": "# Fees\nThe annual fee is charged once a year. You can pay it in the app.",
    "travel.md": "# Travel\nTell us before you travel abroad. Use the app to set a travel notice.",
    "branches.md": "# Branches\nOur branches open at nine. Visit a branch or use the app.",
    "paper.md": "# Paperless\nGo paperless in the app and statements arrive by email.",
}
SPEC = Path(__file__).resolve().parents[2] / "graphs" / "crews" / "support.yaml"


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREWLINE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        return demo_planner()


def _route(planner: Planner, text: str) -> str | None:
    subtasks = planner.plan(text, turn=1, context={}).subtasks
    assert len(subtasks) == 1
    return subtasks[0]["specialist"]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("how can I see my open invoices", "billing"),
        ("how do I report fraud on my card", "card_security"),
        ("how do I check what I owe", "billing"),
        ("how do I pay my electricity bill", "billing"),
    ],
)
def test_a_how_to_question_stays_with_the_specialist_whose_examples_name_its_object(
    support: Planner, text: str, route: str
) -> None:
    assert _route(support, text) == route


def _help_crew(articles: Path) -> Planner:
    router = Router().fit(
        {
            "knowledge": ["what are your opening hours", "where is your head office"],
            "billing": ["how do I pay my balance", "how do I see my invoice"],
        }
    )
    return Planner(
        router,
        {"knowledge": "help centre", "billing": "balances and invoices"},
        documents={"knowledge": folder_vocabulary(articles)},
    )


def test_a_how_to_question_taken_by_function_words_or_unsure_goes_to_the_documents(articles: Path) -> None:
    planner = _help_crew(articles)
    question = "how do I pay my annual fee"
    assert planner.route_clause(question).route == "billing"  # sure, and billing's examples say "pay"
    by_function_words = Clause(
        "how do I turn on text alerts", RouteScore("billing", 0.9, 0.5, (("billing", 0.9),))
    )
    assert planner._second_look(by_function_words).score.route == "knowledge"
    planner.threshold = 0.99  # billing's 0.97 is now unsure
    assert planner.route_clause(question).route == "knowledge"


@pytest.mark.parametrize(
    "text",
    [
        "what is 15 times 7",
        "when is the next holiday",
        "who programmed you",
        "have a good day",
        "peace out!",
        "multiply 7 and 42",
        "create a reminder",
        "what's a good book to read",
    ],
)
def test_small_talk_arithmetic_and_questions_about_the_bot_are_declined(support: Planner, text: str) -> None:
    assert _route(support, text) is None


def test_plurals_and_short_words_share_a_stem() -> None:
    assert content_stems("times fees cards") == content_stems("time fee card")


def test_one_topic_word_or_two_in_no_one_document_claims_nothing(articles: Path) -> None:
    vocabulary = folder_vocabulary(articles)
    assert vocabulary.covers(content_stems("text alerts"))
    assert not vocabulary.covers(content_stems("alerts"))  # one word: a coincidence
    assert not vocabulary.covers(content_stems("alerts abroad"))  # two articles' words


def test_with_a_chat_model_an_unsure_clause_is_asked_not_claimed_by_documents(
    articles: Path, tmp_path: Path
) -> None:
    planner = _help_crew(articles)
    request = "tell me about text alerts"
    assert planner.route_clause(request).route == "knowledge"  # no model: the documents decide
    with FakeOpenAI([structured({"specialist": "billing", "confidence": 0.9})]) as server:
        chat = ChatOpenAI(base_url=server.base_url, api_key="test", model="fake", max_retries=0)  # type: ignore[arg-type]
        planner.model = ModelChain(chat, (), settings=ModelSettings(max_retries=0), data_dir=tmp_path)
        plan = planner.plan(request, turn=1, context={})
    assert server.calls == 1
    assert [s["specialist"] for s in plan.subtasks] == ["billing"] and plan.usage["model_calls"] == 1


def test_a_relative_documents_folder_is_the_spec_files(articles: Path, tmp_path: Path) -> None:
    spec = tmp_path / "crew.yaml"
    text = SPEC.read_text(encoding="utf-8")
    assert "knowledge: crewline.tools.knowledge:DOCS_DIR" in text
    spec.write_text(text.replace("knowledge: crewline.tools.knowledge:DOCS_DIR", "knowledge: articles"))
    assert load_spec(spec).planner.documents == {"knowledge": str(articles)}
    assert load_spec(SPEC).planner.documents == {"knowledge": "crewline.tools.knowledge:DOCS_DIR"}


def test_an_unchanged_folder_is_read_once(articles: Path) -> None:
    first = folder_vocabulary(articles)
    assert folder_vocabulary(articles) is first
    (articles / "cards.md").write_text("# Cards\nReplacement cards arrive in a week.", encoding="utf-8")
    assert content_stems("replacement") <= folder_vocabulary(articles).words


def test_a_folder_without_documents_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with caplog.at_level(logging.WARNING):
        vocabulary = folder_vocabulary(tmp_path)
    assert not vocabulary.words
    assert any("holds no" in record.getMessage() for record in caplog.records)


def test_one_unknown_documented_specialist_is_named_in_the_singular(articles: Path) -> None:
    routes = [RouteExamples("billing", "balances", ["how much do I owe"])]
    settings = PlannerSettings(documents={"nobody": str(articles)})
    with pytest.raises(ConfigurationError, match="nobody is not a specialist of this crew"):
        build_planner(routes, entity_patterns={}, model=None, settings=settings, default_threshold=0.35)
