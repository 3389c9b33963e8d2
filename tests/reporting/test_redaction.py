"""Redaction of status and ID content from report text (I9), in the ten form languages.

The table below is what each language must remove and keep, written for the tests; the
benchmark measures recall and precision on a separate labelled corpus
(``bench/redaction_corpus*.txt``). Every name, number and place of events is synthetic.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.reporting.redaction import (
    COUNTRY_OF_BIRTH,
    DOCUMENT_NUMBER,
    IMMIGRATION_STATUS,
    KINDS,
    NATIONALITY,
    REDACTED,
    SUPPORTED_LANGUAGES,
    UNSCANNED,
    Finding,
    Redacted,
    _engine,
    redact,
)


@dataclass(frozen=True)
class Case:
    language: str
    text: str
    removed: tuple[str, ...] = ()  # each passage must be wholly removed
    kept: tuple[str, ...] = ()  # each passage must survive, word for word
    kinds: tuple[str, ...] = ()  # kinds that must be among the findings

    def __str__(self) -> str:
        return f"{self.language}: {self.text[:50]}"


def case(
    language: str,
    text: str,
    *,
    removed: tuple[str, ...] = (),
    kept: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
) -> Case:
    return Case(language, text, removed, kept, kinds)


# The tricky cases in every language: the employer keeps the passport (the word is evidence
# and stays, its number goes), unpaid wages and a phone number stay, "the status of my
# complaint" stays, a nationality word used as a language stays.
CASES: list[Case] = [
    # -- English -------------------------------------------------------------------------------
    case(
        "en",
        "My employer kept my passport (number X0000000) and refuses to give it back.",
        removed=("X0000000",),
        kept=("My employer kept my passport",),
        kinds=(DOCUMENT_NUMBER,),
    ),
    case("en", "He owes me 1200 euros for March and April.", kept=("1200 euros",)),
    case("en", "Please call me on 0000 000 111 after work.", kept=("0000 000 111",)),
    case("en", "What is the status of my complaint?", kept=("the status of my complaint",)),
    case("en", "I speak French and Arabic, no English.", kept=("French", "Arabic")),
    case(
        "en",
        "I am undocumented and my visa ran out in 2022.",
        removed=("undocumented", "visa ran out"),
        kinds=(IMMIGRATION_STATUS,),
    ),
    case(
        "en",
        "I was born in Eritrea and I am an asylum seeker.",
        removed=("Eritrea", "asylum seeker"),
        kinds=(COUNTRY_OF_BIRTH, IMMIGRATION_STATUS),
    ),
    case(
        "en",
        "My manager is Iraqi and he knows I'm from the Gambia.",
        removed=("Iraqi", "Gambia"),
        kept=("My manager is",),
        kinds=(NATIONALITY,),
    ),
    case(
        "en",
        "My BRP number is ZU0000000 and my NI number AB000000C.",
        removed=("ZU0000000", "AB000000C"),
    ),
    case("en", "Jordan Example is my supervisor at the depot.", kept=("Jordan Example",)),
    case("en", "They took my passport. 0000 000 111 is my number.", kept=("0000 000 111",)),
    case("en", "She fled from Jordan last year.", removed=("Jordan",)),
    case(
        "en",
        "It was an illegal dismissal and irregular hours.",
        kept=("illegal dismissal", "irregular hours"),
    ),
    # -- Spanish -------------------------------------------------------------------------------
    case(
        "es",
        "El dueño se quedó con mi pasaporte, número X0000000, y no me lo devuelve.",
        removed=("X0000000",),
        kept=("se quedó con mi pasaporte",),
    ),
    case("es", "Me debe 1200 euros de dos meses.", kept=("1200 euros",)),
    case("es", "Mi móvil es 600 000 111, llámame por la tarde.", kept=("600 000 111",)),
    case("es", "¿En qué estado está mi denuncia?", kept=("estado está mi denuncia",)),
    case("es", "Hablo francés y un poco de inglés.", kept=("francés", "inglés")),
    case(
        "es",
        "Soy indocumentada y vivo sin papeles desde hace tres años.",
        removed=("indocumentada", "sin papeles"),
    ),
    case("es", "Nací en Honduras, soy hondureña.", removed=("Honduras", "hondureña")),
    case(
        "es",
        "Mi NIE es Y-0000000-Z y tengo la tarjeta roja.",
        removed=("Y-0000000-Z", "tarjeta roja"),
    ),
    case("es", "Mi abuela vive en un asilo de ancianos.", kept=("asilo de ancianos",)),
    case("es", "Vengo de Senegal y pedí asilo.", removed=("Senegal", "pedí asilo")),
    # -- French --------------------------------------------------------------------------------
    case(
        "fr",
        "Mon patron garde mon passeport n° AB0000000 dans son bureau.",
        removed=("AB0000000",),
        kept=("Mon patron garde mon passeport",),
    ),
    case("fr", "Il me doit 1200 euros de salaire.", kept=("1200 euros",)),
    case("fr", "Appelez-moi au 06 00 00 01 11.", kept=("06 00 00 01 11",)),
    case("fr", "Quel est le statut de ma plainte ?", kept=("le statut de ma plainte",)),
    case("fr", "Je parle français et anglais.", kept=("français", "anglais")),
    case(
        "fr",
        "Je suis sans-papiers, en situation irrégulière.",
        removed=("sans-papiers", "situation irrégulière"),
    ),
    case(
        "fr", "Je suis née au Cameroun, je suis camerounaise.", removed=("Cameroun", "camerounaise")
    ),
    case("fr", "Je viens d'Érythrée et j'ai demandé l'asile.", removed=("Érythrée", "asile")),
    case("fr", "C'est du travail clandestin, sans contrat.", kept=("travail clandestin",)),
    # -- Portuguese ----------------------------------------------------------------------------
    case(
        "pt",
        "O patrão ficou com o meu passaporte, nº X0000000.",
        removed=("X0000000",),
        kept=("ficou com o meu passaporte",),
    ),
    case("pt", "Ele deve-me 1200 euros.", kept=("1200 euros",)),
    case("pt", "Liga-me para o 912 000 111.", kept=("912 000 111",)),
    case("pt", "Qual é o estado da minha queixa?", kept=("o estado da minha queixa",)),
    case("pt", "Falo francês e inglês.", kept=("francês", "inglês")),
    case(
        "pt",
        "Estou sem papéis e o meu visto de turismo caducou.",
        removed=("sem papéis", "visto de turismo"),
    ),
    case("pt", "Sou da Guiné-Bissau, nasci em Bissau.", removed=("Guiné-Bissau", "Bissau")),
    case("pt", "Eu tinha visto o homem na rua.", kept=("tinha visto o homem",)),
    case("pt", "Ela é angolana e pediu asilo.", removed=("angolana", "asilo")),
    # -- Arabic --------------------------------------------------------------------------------
    case(
        "ar",
        "صاحب العمل أخذ جواز سفري، رقمه X0000000.",
        removed=("X0000000",),
        kept=("أخذ جواز سفري",),
    ),
    case("ar", "يدين لي بمبلغ 1200 يورو.", kept=("1200 يورو",)),
    case("ar", "اتصلوا بي على 0000 000 111 مساء.", kept=("0000 000 111",)),
    case("ar", "ما هو وضع شكواي؟", kept=("وضع شكواي",)),
    case("ar", "أتكلم التركية وقليلا من الإنجليزية.", kept=("التركية",)),
    case("ar", "أنا لاجئة وما عندي أوراق.", removed=("لاجئة", "ما عندي أوراق")),
    case("ar", "ولدت في حمص وأنا سوري.", removed=("حمص", "سوري")),
    case("ar", "رقم الإقامة ٠٠٠٠٠٠٠٠٠ عند المدير.", removed=("٠٠٠٠٠٠٠٠٠", "الإقامة")),
    case("ar", "انتهت فيزتي منذ شهرين.", removed=("انتهت فيزتي",)),
    # -- Romanian ------------------------------------------------------------------------------
    case(
        "ro",
        "Patronul mi-a luat pașaportul, numărul X0000000.",
        removed=("X0000000",),
        kept=("mi-a luat pașaportul",),
    ),
    case("ro", "Îmi datorează 1200 de lei.", kept=("1200 de lei",)),
    case("ro", "Sunați-mă la 0700 000 111.", kept=("0700 000 111",)),
    case("ro", "Care este stadiul plângerii mele?", kept=("stadiul plângerii mele",)),
    case("ro", "Vorbesc română și engleză.", kept=("română", "engleză")),
    case("ro", "Sunt fara acte si stau ilegal in tara.", removed=("fara acte", "ilegal")),
    case("ro", "M-am născut în Moldova, sunt moldoveancă.", removed=("Moldova", "moldoveancă")),
    case("ro", "Este ilegal ce face patronul.", kept=("Este ilegal ce face patronul",)),
    case("ro", "Am cerut azil și aștept.", removed=("cerut azil",)),
    case("ro", "Colegul meu Roman Example e român.", removed=("român",), kept=("Roman Example",)),
    # -- Ukrainian -----------------------------------------------------------------------------
    case(
        "uk",
        "Роботодавець забрав мій паспорт, номер FA000000.",
        removed=("FA000000",),
        kept=("забрав мій паспорт",),
    ),
    case("uk", "Він винен мені 1200 злотих.", kept=("1200 злотих",)),
    case("uk", "Телефонуйте на 000 000 111.", kept=("000 000 111",)),
    case("uk", "Який статус моєї заяви?", kept=("статус моєї заяви",)),
    case("uk", "Я розмовляю українською та польською.", kept=("українською", "польською")),
    case("uk", "Я біженка з тимчасовим захистом.", removed=("біженка", "тимчасовим захистом")),
    case("uk", "Я народилася в Одесі, я українка.", removed=("Одесі", "українка")),
    case("uk", "Я живу в притулку для жінок.", kept=("притулку для жінок",)),
    case("uk", "Моя посвідка на проживання закінчилася.", removed=("посвідка на проживання",)),
    # -- Tigrinya ------------------------------------------------------------------------------
    case(
        "ti",
        "ወሃቢ ስራሕ ፓስፖርተይ ወሲዱ፡ ቁጽሩ X0000000 እዩ።",
        removed=("X0000000",),
        kept=("ፓስፖርተይ ወሲዱ",),
    ),
    case("ti", "1200 ዩሮ ኣይከፈለንን።", kept=("1200 ዩሮ",)),
    case("ti", "ብስልኪ 0000 000 111 ደውሉለይ።", kept=("0000 000 111",)),
    case("ti", "ክሲ ዘቕረብክዎ ኣበይ በጺሑ?", kept=("ክሲ ዘቕረብክዎ",)),
    case("ti", "ትግርኛን ዓረብኛን እዛረብ።", kept=("ትግርኛን ዓረብኛን",)),
    case("ti", "ኣነ ስደተኛ እየ፡ ወረቐት የብለይን።", removed=("ስደተኛ", "ወረቐት የብለይን")),
    case("ti", "ኣብ ኣስመራ ተወሊደ፡ ኤርትራዊት እየ።", removed=("ኣስመራ", "ኤርትራዊት")),
    case("ti", "ሰብኣየይ ሱዳናዊ እዩ።", removed=("ሱዳናዊ",)),
    # -- Somali --------------------------------------------------------------------------------
    case(
        "so",
        "Shaqo-bixiyaha ayaa qaatay baasaboorkayga, lambarkiisu waa X0000000.",
        removed=("X0000000",),
        kept=("qaatay baasaboorkayga",),
    ),
    case("so", "Wuxuu igu leeyahay 1200 euro.", kept=("1200 euro",)),
    case("so", "Iga soo wac 0000 000 111.", kept=("0000 000 111",)),
    case("so", "Xaaladda dacwaddayda maxay tahay?", kept=("Xaaladda dacwaddayda",)),
    case("so", "Waxaan ku hadlaa Soomaali iyo Ingiriisi.", kept=("Soomaali", "Ingiriisi")),
    case("so", "Waxaan ahay qaxooti, sharci ma haysto.", removed=("qaxooti", "sharci ma haysto")),
    case(
        "so", "Waxaan ku dhashay Kismaayo, waxaan ahay Soomaali.", removed=("Kismaayo", "Soomaali")
    ),
    case("so", "Macluumaadkayga waa la bixiyay oggolaansho la'aan.", kept=("oggolaansho la'aan",)),
    # -- Farsi ---------------------------------------------------------------------------------
    case(
        "fa",
        "کارفرما پاسپورتم را گرفته، شماره‌اش X0000000 است.",
        removed=("X0000000",),
        kept=("پاسپورتم را گرفته",),
    ),
    case("fa", "۱۲۰۰ یورو به من بدهکار است.", kept=("۱۲۰۰ یورو",)),
    case("fa", "با شماره ۰۰۰۰ ۰۰۰ ۱۱۱ تماس بگیرید.", kept=("۰۰۰۰ ۰۰۰ ۱۱۱",)),
    case("fa", "وضعیت شکایت من چه شد؟", kept=("وضعیت شکایت من",)),
    case("fa", "فارسی و ترکی صحبت می‌کنم.", kept=("فارسی و ترکی",)),
    case("fa", "من پناهنده‌ام و مدرک ندارم.", removed=("پناهنده‌ام", "مدرک ندارم")),
    case("fa", "در هرات به دنیا آمدم، افغانی هستم.", removed=("هرات", "افغانی")),
    case("fa", "ويزاي من تمام شده است.", removed=("ويزاي",)),
]


def _covered(result: Redacted, start: int, end: int) -> bool:
    return all(any(f.start <= i < f.end for f in result.findings) for i in range(start, end))


def _check_shape(text: str, result: Redacted) -> None:
    """Findings are in order, apart, inside the text, and the output is the text with each
    finding replaced by REDACTED."""
    rebuilt: list[str] = []
    position = 0
    for finding in result.findings:
        assert finding.kind in KINDS
        assert position <= finding.start < finding.end <= len(text)
        rebuilt += [text[position : finding.start], REDACTED]
        position = finding.end
    rebuilt.append(text[position:])
    assert result.text == "".join(rebuilt)


@pytest.mark.parametrize("c", CASES, ids=str)
def test_removes_and_keeps(c: Case) -> None:
    result = redact(c.text, c.language)
    _check_shape(c.text, result)
    for passage in c.removed:
        start = c.text.index(passage)
        assert _covered(result, start, start + len(passage)), (passage, result.text)
    for passage in c.kept:
        assert passage in result.text, (passage, result.text)
    kinds = {f.kind for f in result.findings}
    assert set(c.kinds) <= kinds


def test_every_language_has_a_table() -> None:
    counts = {code: sum(1 for c in CASES if c.language == code) for code in SUPPORTED_LANGUAGES}
    assert all(count >= 8 for count in counts.values()), counts


def test_offsets_point_at_the_original_text() -> None:
    text = "Ana Example says: I was born in Syria; my NIE is X0000000L and I have no papers."
    result = redact(text, "en")
    found = {(f.kind, text[f.start : f.end]) for f in result.findings}
    assert found == {
        (COUNTRY_OF_BIRTH, "Syria"),
        (IMMIGRATION_STATUS, "NIE"),
        (DOCUMENT_NUMBER, "X0000000L"),
        (IMMIGRATION_STATUS, "no papers"),
    }
    assert result.text == (
        "Ana Example says: I was born in [removed]; my [removed] is [removed] and I have [removed]."
    )


def test_offsets_survive_dropped_characters() -> None:
    # Decomposed accents (NFD), Arabic short vowels and tatweel, bidi marks: all dropped
    # for matching, and findings still point at the characters as written.
    text = unicodedata.normalize("NFD", "Estoy en situación irregular.") + " \u200fأنا لاجِـئة"
    result = redact(text, "es")
    _check_shape(text, result)
    removed = [text[f.start : f.end] for f in result.findings]
    assert unicodedata.normalize("NFC", removed[0]) == "en situación irregular"
    assert removed[1] == "لاجِـئة"


def test_a_number_written_twice_is_removed_twice() -> None:
    text = "My passport is X0000000. Later the boss wrote X0000000 on the contract."
    result = redact(text, "en")
    assert "X0000000" not in result.text


def test_a_cue_nearer_than_the_keyword_keeps_its_number() -> None:
    text = "He took my passport, my phone is 0000 000 111 and he owes me 0000000 in total."
    result = redact(text, "en")
    assert result.text == text


def test_dates_are_not_document_numbers() -> None:
    text = "My passport expired on 12/05/2023 and the visa number is V0000000."
    result = redact(text, "en")
    assert "12/05/2023" in result.text
    assert "V0000000" not in result.text


def test_unknown_language_runs_every_language() -> None:
    text = "Estoy sin papeles. أنا لاجئة. Я біженка. ኣነ ስደተኛ እየ። Waxaan ahay qaxooti."
    for language in ("xx", "", "de", "tlh"):
        result = redact(text, language)
        assert result.text.count(REDACTED) == 5, (language, result.text)


def test_language_codes_are_normalised() -> None:
    assert redact("Estou sem papéis.", "pt-BR").text == "Estou [removed]."
    assert redact("Estou sem papéis.", "PT").text == "Estou [removed]."


def test_another_script_in_the_text_is_scanned_too() -> None:
    # The English form, with a sentence in Arabic and one in Ukrainian.
    text = "I went to the clinic. أنا من سوريا. Я біженка."
    assert redact(text, "en").text == "I went to the clinic. أنا من [removed]. Я [removed]."


def test_english_status_words_are_found_in_every_language() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert REDACTED in redact("... refugee status ...", language).text, language


def test_empty_text() -> None:
    assert redact("", "en") == Redacted("", ())


def test_not_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        redact(None, "en")  # type: ignore[arg-type]


def test_a_failing_scanner_withholds_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> object:
        raise RuntimeError("synthetic failure")

    monkeypatch.setattr(_engine, "analyzer", broken)
    text = "I am undocumented."
    assert redact(text, "en") == Redacted(REDACTED, (Finding(UNSCANNED, 0, len(text)),))


def test_the_analyzer_is_built_once() -> None:
    redact("warm", "en")
    assert _engine.analyzer() is _engine.analyzer()


def test_importing_does_not_import_presidio() -> None:
    code = (
        "import sys, confide.reporting.redaction; "
        "assert 'presidio_analyzer' not in sys.modules and 'spacy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- properties ---------------------------------------------------------------------------------

_LANGUAGES = st.sampled_from((*SUPPORTED_LANGUAGES, "xx", "", "EN", "pt-BR"))


@given(text=st.text(), language=_LANGUAGES)
def test_never_raises_and_is_well_formed(text: str, language: str) -> None:
    _check_shape(text, redact(text, language))


@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
    | st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=5)
)
def test_never_raises_on_odd_characters(text: str) -> None:
    _check_shape(text, redact(text, "ar"))


_KEYWORDS = (
    "passport",
    "passport no.",
    "visa number",
    "NIE",
    "BRP",
    "pasaporte",
    "numéro étranger",
    "паспорт",
    "جواز سفر",
    "پاسپورت",
    "ፓስፖርት",
    "baasaboor",
    "pașaport",
)
_OTHER = ("call me on", "owes me", "€", "street", "on", "and", "is", ",", ".", "\n", "my")
_IDS = st.from_regex(r"\A[A-Z]{0,2}[0-9]{6,9}[A-Z]?\Z") | st.from_regex(
    r"\A[0-9]{3}[ -][0-9]{3}[ -][0-9]{3}\Z"
)
_PIECES = st.sampled_from(_KEYWORDS) | st.sampled_from(_OTHER) | _IDS | st.text(max_size=6)


@given(pieces=st.lists(_PIECES, max_size=14), language=_LANGUAGES)
def test_a_removed_document_number_is_gone_from_the_output(
    pieces: list[str], language: str
) -> None:
    text = " ".join(pieces)
    result = redact(text, language)
    _check_shape(text, result)
    for finding in result.findings:
        if finding.kind == DOCUMENT_NUMBER:
            assert text[finding.start : finding.end] not in result.text


@given(number=st.from_regex(r"\A[A-Z]{1,2}[0-9]{6,8}\Z"), keyword=st.sampled_from(_KEYWORDS))
def test_a_number_after_its_keyword_is_removed(number: str, keyword: str) -> None:
    text = f"Ana Example: my {keyword} {number}, please help."
    result = redact(text, "xx")
    assert number not in result.text
