"""Topics: the sixteen statutory areas of public benefit and the themes users ask about.

Each topic has a short stable id (``lokale``, ``seniorzy``, ``zdrowie_psychiczne``), a Polish
label, a description and lemma rules. A passage gets every topic whose rule matches a phrase
of its text (Morfeusz lemmas, so ``lokali``/``lokalowej`` both count), and the topic its
embedding is clearly closest to when that topic's description is similar enough. Words inside
the name of a city unit or an organisation (``Pełnomocnik ds. Polityki Senioralnej``,
``Biuro ds. Ochrony Zdrowia``) do not count: a passage naming the seniors' plenipotentiary
among the guests is not about seniors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from indexer.text.analyzer import lemmas
from indexer.text.language import name_head

logger = logging.getLogger(__name__)

TOPICS_VERSION = "topics-2"  # 2: the embedding topic comes from the stored passage vector


@dataclass(frozen=True)
class Topic:
    """One area or theme."""

    id: str
    label: str  # Polish
    label_en: str
    kind: str  # "statutory" (one of the 16 areas of the 2011 programme) | "theme"
    description: str
    rules: tuple[tuple[str, ...], ...]  # lemma phrases; any one matching tags the passage


TOPICS: tuple[Topic, ...] = (
    Topic("pomoc_spoleczna", "Pomoc społeczna", "Social assistance", "statutory",
          "pomoc społeczna, pomoc rodzinom i osobom w trudnej sytuacji życiowej, wyrównywanie szans, "
          "placówki pomocy społecznej, bezdomność, usługi opiekuńcze, opiekunowie osób niesamodzielnych",
          (("pomoc", "społeczny"), ("bezdomność",), ("bezdomny",), ("samopomoc",), ("usługa", "opiekuńczy"),
           ("mieszkanie", "chroniony"), ("niesamodzielny",), ("socjalny",))),
    Topic("reintegracja", "Integracja i reintegracja zawodowa i społeczna", "Social and vocational (re)integration", "statutory",
          "integracja i reintegracja zawodowa i społeczna osób zagrożonych wykluczeniem społecznym, wykluczenie społeczne",
          # a gerund's lemma is its verb: "wykluczenia" -> "wykluczyć"
          (("reintegracja",), ("integracja", "zawodowy"), ("wykluczyć",), ("wykluczony",))),
    Topic("charytatywna", "Działalność charytatywna", "Charity", "statutory",
          "działalność charytatywna i dobroczynna", (("charytatywny",), ("dobroczynny",))),
    Topic("zdrowie", "Ochrona i promocja zdrowia", "Health", "statutory",
          "ochrona i promocja zdrowia, działalność lecznicza, programy profilaktyczne, zdrowie psychiczne",
          (("zdrowie",), ("leczniczy",), ("program", "profilaktyczny"), ("chory",))),
    Topic("niepelnosprawnosc", "Osoby z niepełnosprawnościami", "People with disabilities", "statutory",
          "działalność na rzecz osób niepełnosprawnych, osoby z niepełnosprawnościami, asystenci, PFRON",
          (("niepełnosprawność",), ("niepełnosprawny",), ("PFRON",))),
    Topic("seniorzy", "Seniorzy (osoby w wieku emerytalnym)", "Seniors", "statutory",
          "działalność na rzecz osób w wieku emerytalnym, seniorzy, polityka senioralna, Centra Aktywności Seniora",
          (("senior",), ("senioralny",), ("emerytalny",))),
    Topic("rozwoj_gospodarczy", "Rozwój gospodarczy i przedsiębiorczość", "Economic development", "statutory",
          "działalność wspomagająca rozwój gospodarczy, w tym rozwój przedsiębiorczości",
          (("przedsiębiorczość",), ("rozwój", "gospodarczy"))),
    Topic("edukacja", "Edukacja, oświata i wychowanie", "Education", "statutory",
          "edukacja, oświata i wychowanie, szkoły, wsparcie edukacyjne, nauka",
          (("edukacja",), ("oświata",), ("wychować",), ("edukacyjny",), ("szkoła",))),
    Topic("wypoczynek", "Wypoczynek dzieci i młodzieży", "Holidays for children and youth", "statutory",
          "wypoczynek dzieci i młodzieży, kolonie, półkolonie",
          (("wypoczynek",), ("półkolonia",), ("kolonia",))),
    Topic("kultura", "Kultura, sztuka i dziedzictwo narodowe", "Culture and heritage", "statutory",
          "kultura, sztuka, ochrona dóbr kultury i dziedzictwa narodowego, inicjatywy kulturalne",
          (("kultura",), ("kulturalny",), ("sztuka",), ("dziedzictwo", "narodowy"))),
    Topic("sport", "Kultura fizyczna i sport", "Sport", "statutory",
          "wspieranie i upowszechnianie kultury fizycznej, sport, turnieje",
          (("kultura", "fizyczny"), ("sport",), ("sportowy",), ("turniej",))),
    Topic("ekologia", "Ekologia i ochrona zwierząt", "Ecology and animals", "statutory",
          "ekologia i ochrona zwierząt oraz ochrona dziedzictwa przyrodniczego",
          (("ekologia",), ("zwierzę",), ("przyrodniczy",), ("ekologiczny",))),
    Topic("ratownictwo", "Ratownictwo i ochrona ludności", "Rescue and civil protection", "statutory",
          "ratownictwo i ochrona ludności", (("ratownictwo",), ("ochrona", "ludność"))),
    Topic("wolontariat", "Wolontariat", "Volunteering", "statutory",
          "promocja i organizacja wolontariatu", (("wolontariat",), ("wolontariusz",))),
    Topic("uzaleznienia", "Przeciwdziałanie uzależnieniom i patologiom", "Addiction prevention", "statutory",
          "przeciwdziałanie uzależnieniom i patologiom społecznym, profilaktyka uzależnień, abstynencja",
          (("uzależnienie",), ("uzależnić",), ("uzależniony",), ("patologia", "społeczny"), ("abstynencki",))),
    Topic("wsparcie_ngo", "Działalność na rzecz organizacji pozarządowych", "Support for NGOs", "statutory",
          "działalność na rzecz organizacji pozarządowych: informowanie, baza organizacji, portal, "
          "wzmacnianie potencjału sektora, profesjonalizacja, koordynacja i wymiana informacji",
          (("baza", "organizacja"), ("portal",), ("potencjał", "sektor"), ("profesjonalizować",),
           ("profesjonalizować", "się"), ("platforma", "internetowy"), ("przepływ", "informacja"),
           ("obieg", "informacja"), ("komunikacja",), ("docierać", "do", "informacja"),
           ("działalność", "na", "rzecz", "organizacja", "pozarządowy"))),
    Topic("lokale", "Polityka lokalowa (lokale dla organizacji)", "Premises policy", "theme",
          "polityka lokalowa, lokale z zasobu gminy dla organizacji pozarządowych, najem lokali, "
          "mieszkania komunalne, Zarząd Budynków Komunalnych",
          (("lokal",), ("lokalowy",), ("ZBK",), ("zasób", "gmina"), ("mieszkanie", "komunalny"))),
    Topic("finansowanie", "Finansowanie, dotacje i konkursy", "Funding and grant competitions", "theme",
          "finansowanie organizacji, dotacje, otwarte konkursy ofert, granty, środki finansowe, wkład własny, budżet",
          (("dotacja",), ("konkurs",), ("konkursowy",), ("grant",), ("finansowanie",), ("środek", "finansowy"),
           ("wkład", "własny"), ("budżet",), ("budżetowy",), ("fundusz",), ("pieniądz",), ("finansowy",),
           ("finansować",), ("dofinansować",), ("zapłata",))),
    Topic("dostepnosc", "Dostępność", "Accessibility", "theme",
          "dostępność architektoniczna, cyfrowa i komunikacyjna, usuwanie barier, dostosowanie do potrzeb osób ze szczególnymi potrzebami",
          # "dostępność lokali" is how many premises there are, not accessibility
          (("dostępność", "!lokal"), ("bariera",), ("architektoniczny",))),
    Topic("cudzoziemcy", "Cudzoziemcy i wielokulturowość", "Foreigners and multiculturalism", "theme",
          "cudzoziemcy, migranci, integracja cudzoziemców, wielokulturowość, nauka języka polskiego",
          (("cudzoziemiec",), ("migrant",), ("imigrant",), ("uchodźca",), ("wielokulturowość",), ("wielokulturowy",))),
    Topic("zdrowie_psychiczne", "Zdrowie psychiczne", "Mental health", "theme",
          "zdrowie psychiczne dzieci, młodzieży i dorosłych, choroby psychiczne, wsparcie psychologiczne, ADHD",
          (("zdrowie", "psychiczny"), ("psychicznie",), ("psychiatryczny",), ("ADHD",), ("psychologiczny",))),
)

BY_ID = {t.id: t for t in TOPICS}

# Embedding side: a topic whose description is at least this similar, and clearly the closest.
EMBED_MIN_SIMILARITY = 0.86
EMBED_MARGIN = 0.02


def topic_label(topic: str, lang: str = "pl") -> str:
    """A readable name for a topic tag (``lokale`` → ``Polityka lokalowa``); an unknown tag as words."""
    found = BY_ID.get(topic)
    if found is not None:
        return found.label if lang == "pl" else found.label_en
    text = topic.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def list_topics(lang: str = "pl") -> list[dict[str, str]]:
    """Topics for a user interface: ``[{"id", "label", "kind"}]`` in a stable order."""
    return [{"id": t.id, "label": t.label if lang == "pl" else t.label_en, "kind": t.kind} for t in TOPICS]


# --------------------------------------------------------------------------------------
# Lemma rules
# --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+|\S")
# Words after a name's head (indexer.text.language), up to the first lower-case word that
# is not glue ("ds.", "i", "z", "do"), belong to the name.
_GLUE = {"ds", ".", ",", "i", "z", "do", "spraw", "na", "w", "dla"}


def _in_names(tokens: list[str]) -> list[bool]:
    """Which tokens are part of a capitalised unit or organisation name, or of a law's title
    (``ustawy … o działalności pożytku publicznego i o wolontariacie``)."""
    inside = [False] * len(tokens)
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if "ustawa" in lemmas(tok) and "o" in [t.lower() for t in tokens[k + 1 : k + 20]]:
            j = k + 1
            while j < len(tokens) and not (tokens[j] in {".", ";", ")"} and tokens[j - 1] not in {"r", "ust", "art", "poz", "nr"}):
                inside[j] = True
                j += 1
            k = j
            continue
        head = name_head(tokens[k : k + 2], kinds=("org", "unit", "office"))
        if head is not None:
            j = k + 1
            while j < len(tokens) and (
                tokens[j][:1].isupper() or tokens[j].lower() in _GLUE or tokens[j - 1].lower() in {"ds", "spraw"}
            ):
                inside[j] = True
                j += 1
            k = j
        else:
            k += 1
    return inside


def _lemma_sequence(text: str) -> list[frozenset[str]]:
    tokens = _TOKEN.findall(text)
    inside = _in_names(tokens)
    seq: list[frozenset[str]] = []
    for tok, named in zip(tokens, inside):
        if not tok[:1].isalpha():
            continue
        found = {l.lower() for l in lemmas(tok)} | {tok.lower()}
        seq.append(frozenset() if named else frozenset(found))
    return seq


def _rule_matches(seq: list[frozenset[str]], rule: tuple[str, ...]) -> bool:
    """A lemma phrase at consecutive words; ``"!x"`` means the next word is not ``x``."""
    words = [r.lower() for r in rule if not r.startswith("!")]
    banned = [r[1:].lower() for r in rule if r.startswith("!")]
    n = len(words)
    for i in range(len(seq) - n + 1):
        if all(words[j] in seq[i + j] for j in range(n)):
            after = seq[i + n] if i + n < len(seq) else frozenset()
            if not any(b in after for b in banned):
                return True
    return False


def rule_topics(text: str) -> list[str]:
    """Topics whose lemma rules match ``text``."""
    seq = _lemma_sequence(text)
    return [t.id for t in TOPICS if any(_rule_matches(seq, rule) for rule in t.rules)]


# --------------------------------------------------------------------------------------
# Embeddings
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _embedder():
    try:
        from indexer.settings import Settings
        from indexer.vectors.embeddings import load_embedder

        return load_embedder(Settings.from_env())
    except Exception as exc:  # noqa: BLE001 - topics then come from the rules alone
        logger.warning("topics: no embedding model (%s); using lemma rules only", exc)
        return None


@lru_cache(maxsize=1)
def _topic_vectors():
    embedder = _embedder()
    if embedder is None:
        return None
    return embedder.encode_queries([f"{t.label}: {t.description}" for t in TOPICS])


def vector_topic(vector: Sequence[float]) -> list[str]:
    """The topic a passage's embedding (the one the index stores) is clearly closest to, if any."""
    topic_vectors = _topic_vectors()
    if topic_vectors is None:
        return []
    import numpy as np

    row = np.asarray(topic_vectors) @ np.asarray(vector, dtype=np.float32)
    order = np.argsort(-row)
    best, second = row[order[0]], row[order[1]]
    return [TOPICS[order[0]].id] if best >= EMBED_MIN_SIMILARITY and best - second >= EMBED_MARGIN else []


def add_vector_topic(passage: Any, vector: Sequence[float]) -> None:
    """Add the embedding's clear favourite to ``meta["topics"]`` (kept in the topics' order)."""
    found = set(passage.meta.get("topics", [])) | set(vector_topic(vector))
    passage.meta["topics"] = [t.id for t in TOPICS if t.id in found]


def tag(passages: Sequence[Any], use_embeddings: bool = True) -> None:
    """Set ``meta["topics"]`` on every passage: lemma rules over its heading and text, plus
    (with ``use_embeddings``) the clear favourite of its embedding, embedded here as the build
    embeds it. Measured on the hand labels (``python -m indexer topic-report``): precision and
    recall 0.969 either way, whether the vector is this one or the build's bf16 one."""
    for passage in passages:
        passage.meta["topics"] = rule_topics((passage.heading_path[-1] + "\n" if passage.heading_path else "") + passage.text)
    embedder = _embedder()
    if not use_embeddings or embedder is None or not passages:
        return
    for passage, vector in zip(passages, embedder.encode_passages([p.embedding_text() for p in passages])):
        add_vector_topic(passage, vector)


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass
class LabelScore:
    """Micro precision and recall of the assigned topics against hand labels."""

    labelled: int
    assigned: int
    correct: int
    expected: int
    missing_snippets: list[str]
    errors: list[dict]

    @property
    def precision(self) -> float:
        """Share of the assigned topics that the labels hold (1 when none was assigned)."""
        return _share(self.correct, self.assigned)

    @property
    def recall(self) -> float:
        """Share of the labels' topics that were assigned (1 when the labels hold none)."""
        return _share(self.correct, self.expected)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def score_labels(labels: list[dict], passages: Sequence[Any]) -> LabelScore:
    """Compare ``meta["topics"]`` of the passages each label's snippet finds with the label."""
    from indexer.text.analyzer import fold

    score = LabelScore(len(labels), 0, 0, 0, [], [])
    for label in labels:
        snippet = fold(label["snippet"])
        match = next(
            (p for p in passages
             if p.doc_id.endswith(label["doc"]) and p.kind == label.get("kind", "passage") and snippet in fold(" ".join(p.text.split()))),
            None,
        )
        if match is None:
            score.missing_snippets.append(label["snippet"])
            continue
        got, want = set(match.meta.get("topics", [])), set(label["topics"])
        score.assigned += len(got)
        score.expected += len(want)
        score.correct += len(got & want)
        if got != want:
            score.errors.append({"snippet": label["snippet"], "extra": sorted(got - want), "missing": sorted(want - got)})
    return score
