"""The hand rules of the answering path, each one a switch.

The fitted scorer and abstention model (``calibration.json``) decide most things; what stays a
rule is listed here with what it does, so ``python -m eval ablate`` can switch each one off and
report what it is worth on the shipped and the unseen corpus. A rule that does not help on the
unseen corpus is a candidate for removal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class AnswerRules:
    """Every switchable rule of extractive answering; all on by default."""

    # vetoes: abstain whatever the model says
    veto_missing_type: bool = True  # a typed question ("ile", "kiedy") and no sentence holds that type
    veto_missing_identifier: bool = True  # "II spotkanie", "nr 3": the identifying number is in no passage
    veto_unknown_acronym: bool = True  # "KRS": an acronym the index never saw and no passage spells out
    veto_missing_year: bool = True  # every year the question names is missing from the passages
    veto_common_words_only: bool = True  # only common words shared, dictionary words the index lacks
    veto_answer_without_type: bool = True  # the chosen sentence holds nothing of the asked-for type
    veto_other_year: bool = True  # the question names one year; the answer's document is of another
    veto_other_name: bool = True  # a distinctive name of the question ("Bieżanów") is not in the answer's passage
    # choosing the answer sentence
    typed_pool: bool = True  # prefer a sentence holding the asked-for type within a margin of the best
    checked_pool: bool = True  # else the best sentence no veto would refuse (type, year, names), within a margin
    dated_documents: bool = True  # a question naming a day or a year is answered from documents of it
    skip_non_answers: bool = True  # questions in the text and bare names answer nothing (but "kto")
    skip_headings: bool = True  # a title or heading repeated in the text answers nothing
    speaker_heading: bool = True  # "kto" answers take the speaker from the section heading
    reply_after: bool = True  # "co miasto odpowiedziało": the reply sentence after the matter raised
    second_sentence: bool = True  # a close second sentence of the same passage adding question words
    per_year_sentences: bool = True  # "w 2011 i w 2025": the best sentence of a document of each year
    year_passages: bool = True  # passages of each year the question names are fetched when missing
    trim_long_sentences: bool = True  # a long sentence cut after the clause that answers
    # list answers
    list_of_year_and_type: bool = True  # "program współpracy z 2011": items of that year's document of that kind
    list_continuation: bool = True  # an enumeration continued in the next passage
    record_lists: bool = True  # postulate questions list postulate records with the city's response
    records_on_topic: bool = True  # records filtered by a rare question word only some of them hold
    records_side: bool = True  # "jakie deklaracje": records with a recorded response
    postulate_mentions: bool = True  # with the records, other documents' sentences on the topic asked
    whole_list_runs: bool = True  # a list answer takes a list's items from the first chosen to the run's end

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def without(self, name: str) -> AnswerRules:
        """These rules with ``name`` switched off."""
        return replace(self, **{name: False})


DEFAULT_RULES = AnswerRules()
